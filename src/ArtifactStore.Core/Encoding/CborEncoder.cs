using System.Buffers;
using System.Formats.Cbor;
using System.Numerics;
using LibraryTag = System.Formats.Cbor.CborTag;
using LibrarySimpleValue = System.Formats.Cbor.CborSimpleValue;

namespace ArtifactStore.Core.Encoding;

/// <summary>
/// Writes the RFC 8949 §4.2.1 core deterministic encoding with <see cref="CborWriter"/>, which
/// already gives shortest arguments, definite lengths and the shortest exact float width. Two rules
/// the library does not follow stay here: map entries sorted by the bytes of their encoded keys
/// (its canonical mode sorts length-first, as RFC 7049 did) and every NaN written as f97e00.
/// </summary>
internal static class CborEncoder
{
    private static readonly BigInteger TwoPow64 = BigInteger.One << 64;

    // The half-precision quiet NaN with the sign bit clear; Half.NaN has it set.
    private static readonly Half PreferredNaN = BitConverter.UInt16BitsToHalf(0x7e00);

    public static byte[] Encode(CborValue value)
    {
        var writer = NewWriter();
        Write(writer, value);
        return writer.Encode();
    }

    public static void Encode(CborValue value, IBufferWriter<byte> output)
    {
        var writer = NewWriter();
        Write(writer, value);
        var length = writer.Encode(output.GetSpan(writer.BytesWritten));
        output.Advance(length);
    }

    // Strict rather than lax so that a text string with a lone surrogate is refused, not replaced.
    // No depth limit: the value was built in memory by our own code, so its depth is already bounded.
    private static CborWriter NewWriter() => new(new CborWriterOptions
    {
        ConformanceMode = CborConformanceMode.Strict,
        MaxDepth = int.MaxValue,
    });

    private static void Write(CborWriter writer, CborValue value)
    {
        switch (value)
        {
            case CborInteger i:
                WriteInteger(writer, i.Value);
                break;
            case CborByteString b:
                writer.WriteByteString(b.Span);
                break;
            case CborTextString t:
                writer.WriteTextString(t.Value);
                break;
            case CborArray a:
                writer.WriteStartArray(a.Count);
                foreach (var item in a)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case CborMap m:
                WriteMap(writer, m);
                break;
            case CborTag tag:
                writer.WriteTag((LibraryTag)tag.Tag);
                Write(writer, tag.Content);
                break;
            case CborFloat f:
                WriteFloat(writer, f.Value);
                break;
            case CborBoolean or CborNull or CborUndefined or CborSimpleValue:
                writer.WriteSimpleValue(SimpleValueOf(value));
                break;
            default:
                throw new ArgumentException($"Unknown CBOR value type {value?.GetType().Name ?? "null"}.", nameof(value));
        }
    }

    private static void WriteFloat(CborWriter writer, double value)
    {
        if (double.IsNaN(value))
        {
            writer.WriteHalf(PreferredNaN);
            return;
        }

        // The library writes the shortest of half, single and double that holds the value exactly.
        writer.WriteDouble(value);
    }

    // false, true, null and undefined are simple values 20..23; the model gives them their own types.
    private static LibrarySimpleValue SimpleValueOf(CborValue value) => value switch
    {
        CborBoolean boolean => boolean.Value ? LibrarySimpleValue.True : LibrarySimpleValue.False,
        CborNull => LibrarySimpleValue.Null,
        CborUndefined => LibrarySimpleValue.Undefined,
        _ => (LibrarySimpleValue)((CborSimpleValue)value).Value,
    };

    private static void WriteInteger(CborWriter writer, BigInteger value)
    {
        if (value.Sign >= 0 && value < TwoPow64)
        {
            writer.WriteUInt64((ulong)value);
            return;
        }

        // Major type 1 carries -1 - n, so its reach is one further than major type 0's.
        var n = BigInteger.MinusOne - value;
        if (value.Sign < 0 && n < TwoPow64)
        {
            writer.WriteCborNegativeIntegerRepresentation((ulong)n);
            return;
        }

        // Beyond 64 bits: a tag 2/3 bignum, which the library writes without leading zero bytes.
        writer.WriteBigInteger(value);
    }

    private static void WriteMap(CborWriter writer, CborMap map)
    {
        var entries = new (byte[] Key, CborValue Value)[map.Count];
        var i = 0;
        foreach (var (key, value) in map)
        {
            entries[i++] = (Encode(key), value);
        }

        Array.Sort(entries, static (a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));
        for (var j = 1; j < entries.Length; j++)
        {
            // Equal encodings mean equal keys, which a deterministic map cannot hold.
            if (entries[j].Key.AsSpan().SequenceEqual(entries[j - 1].Key))
            {
                throw new ArgumentException(
                    $"CBOR map has duplicate key {Convert.ToHexStringLower(entries[j].Key)}.", nameof(map));
            }
        }

        writer.WriteStartMap(entries.Length);
        foreach (var (key, value) in entries)
        {
            writer.WriteEncodedValue(key);
            Write(writer, value);
        }

        writer.WriteEndMap();
    }
}
