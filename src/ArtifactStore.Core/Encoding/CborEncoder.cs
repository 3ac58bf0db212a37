using System.Buffers;
using System.Formats.Cbor;
using System.Numerics;
using System.Text.Unicode;
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
    private static readonly CborWriterOptions WriterOptions = new()
    {
        ConformanceMode = CborConformanceMode.Strict,
        MaxDepth = int.MaxValue,
    };

    // Keys longer than this (in UTF-16 units) are encoded by a writer of their own, like any other key.
    private const int MaxFastKeyChars = 256;

    private static CborWriter NewWriter() => new(WriterOptions);

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
        // Each entry keeps its key's encoding (to sort by it) and, for a text key, the string: a text key is written with
        // WriteTextString, which gives the same bytes without the check WriteEncodedValue makes of an encoding. Text keys
        // are encoded here without a writer of their own; that was most of what a map cost (docs/performance.md, "Server
        // CPU per small write: the CBOR encoder").
        var entries = new (byte[] Key, string? Text, CborValue Value)[map.Count];
        var i = 0;
        foreach (var (key, value) in map)
        {
            entries[i++] = key is CborTextString text && EncodeTextKey(text.Value) is { } encoded
                ? (encoded, text.Value, value)
                : (Encode(key), null, value);
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
        foreach (var (key, text, value) in entries)
        {
            if (text is not null)
            {
                writer.WriteTextString(text);
            }
            else
            {
                writer.WriteEncodedValue(key);
            }

            Write(writer, value);
        }

        writer.WriteEndMap();
    }

    /// <summary>
    /// The deterministic encoding of a text string (major type 3, the shortest length argument, its UTF-8 bytes), or
    /// null when it is long or not valid UTF-16: such a key goes through <see cref="Encode(CborValue)"/>, which refuses
    /// a lone surrogate as before.
    /// </summary>
    internal static byte[]? EncodeTextKey(string value)
    {
        if (value.Length > MaxFastKeyChars)
        {
            return null;
        }

        Span<byte> utf8 = stackalloc byte[MaxFastKeyChars * 3];
        if (Utf8.FromUtf16(value, utf8, out _, out var length, replaceInvalidSequences: false) != OperationStatus.Done)
        {
            return null;
        }

        // At most 768 bytes: one byte of header below 24, else 0x78 and one byte, else 0x79 and two.
        var header = length < 24 ? 1 : length < 256 ? 2 : 3;
        var bytes = new byte[header + length];
        switch (header)
        {
            case 1:
                bytes[0] = (byte)(0x60 | length);
                break;
            case 2:
                bytes[0] = 0x78;
                bytes[1] = (byte)length;
                break;
            default:
                bytes[0] = 0x79;
                bytes[1] = (byte)(length >> 8);
                bytes[2] = (byte)length;
                break;
        }

        utf8[..length].CopyTo(bytes.AsSpan(header));
        return bytes;
    }
}
