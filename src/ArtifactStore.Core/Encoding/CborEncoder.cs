using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace ArtifactStore.Core.Encoding;

/// <summary>
/// Writes the RFC 8949 §4.2.1 core deterministic encoding: shortest arguments, definite lengths,
/// shortest exact float width, and map entries sorted by the bytes of their encoded keys.
/// </summary>
internal static class CborEncoder
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly BigInteger TwoPow64 = BigInteger.One << 64;

    public static void Write(IBufferWriter<byte> writer, CborValue value)
    {
        switch (value)
        {
            case CborInteger i:
                WriteInteger(writer, i.Value);
                break;
            case CborByteString b:
                WriteHead(writer, 2, (ulong)b.Length);
                writer.Write(b.Span);
                break;
            case CborTextString t:
                WriteText(writer, t.Value);
                break;
            case CborArray a:
                WriteHead(writer, 4, (ulong)a.Count);
                foreach (var item in a)
                {
                    Write(writer, item);
                }

                break;
            case CborMap m:
                WriteMap(writer, m);
                break;
            case CborTag tag:
                WriteHead(writer, 6, tag.Tag);
                Write(writer, tag.Content);
                break;
            case CborFloat f:
                WriteFloat(writer, f.Value);
                break;
            case CborBoolean boolean:
                WriteByte(writer, boolean.Value ? (byte)0xf5 : (byte)0xf4);
                break;
            case CborNull:
                WriteByte(writer, 0xf6);
                break;
            case CborUndefined:
                WriteByte(writer, 0xf7);
                break;
            case CborSimpleValue s:
                WriteHead(writer, 7, s.Value);
                break;
            default:
                throw new ArgumentException($"Unknown CBOR value type {value?.GetType().Name ?? "null"}.", nameof(value));
        }
    }

    /// <summary>Writes a major type and argument using the shortest of the five argument forms.</summary>
    public static void WriteHead(IBufferWriter<byte> writer, int majorType, ulong argument)
    {
        var span = writer.GetSpan(9);
        var major = (byte)(majorType << 5);
        int length;
        if (argument < 24)
        {
            span[0] = (byte)(major | (byte)argument);
            length = 1;
        }
        else if (argument <= byte.MaxValue)
        {
            span[0] = (byte)(major | 24);
            span[1] = (byte)argument;
            length = 2;
        }
        else if (argument <= ushort.MaxValue)
        {
            span[0] = (byte)(major | 25);
            BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)argument);
            length = 3;
        }
        else if (argument <= uint.MaxValue)
        {
            span[0] = (byte)(major | 26);
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)argument);
            length = 5;
        }
        else
        {
            span[0] = (byte)(major | 27);
            BinaryPrimitives.WriteUInt64BigEndian(span[1..], argument);
            length = 9;
        }

        writer.Advance(length);
    }

    /// <summary>
    /// Chooses the float width RFC 8949 §4.1 prefers: the shortest that holds the value exactly,
    /// with every NaN collapsed to the quiet half-precision NaN.
    /// </summary>
    public static int PreferredFloatWidth(double value, out ulong bits)
    {
        if (double.IsNaN(value))
        {
            bits = 0x7e00;
            return 2;
        }

        var doubleBits = BitConverter.DoubleToUInt64Bits(value);
        var half = (Half)value;
        if (BitConverter.DoubleToUInt64Bits((double)half) == doubleBits)
        {
            bits = BitConverter.HalfToUInt16Bits(half);
            return 2;
        }

        var single = (float)value;
        if (BitConverter.DoubleToUInt64Bits(single) == doubleBits)
        {
            bits = BitConverter.SingleToUInt32Bits(single);
            return 4;
        }

        bits = doubleBits;
        return 8;
    }

    private static void WriteFloat(IBufferWriter<byte> writer, double value)
    {
        var width = PreferredFloatWidth(value, out var bits);
        var span = writer.GetSpan(9);
        switch (width)
        {
            case 2:
                span[0] = 0xf9;
                BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)bits);
                break;
            case 4:
                span[0] = 0xfa;
                BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)bits);
                break;
            default:
                span[0] = 0xfb;
                BinaryPrimitives.WriteUInt64BigEndian(span[1..], bits);
                break;
        }

        writer.Advance(width + 1);
    }

    private static void WriteInteger(IBufferWriter<byte> writer, BigInteger value)
    {
        if (value.Sign >= 0)
        {
            if (value < TwoPow64)
            {
                WriteHead(writer, 0, (ulong)value);
                return;
            }

            WriteBignum(writer, 2, value);
            return;
        }

        // Major type 1 carries -1 - n, so its reach is one further than major type 0's.
        var n = BigInteger.MinusOne - value;
        if (n < TwoPow64)
        {
            WriteHead(writer, 1, (ulong)n);
            return;
        }

        WriteBignum(writer, 3, n);
    }

    private static void WriteBignum(IBufferWriter<byte> writer, ulong tag, BigInteger magnitude)
    {
        // The content is the big-endian magnitude without leading zero bytes (RFC 8949 §3.4.3).
        var bytes = magnitude.ToByteArray(isUnsigned: true, isBigEndian: true);
        WriteHead(writer, 6, tag);
        WriteHead(writer, 2, (ulong)bytes.Length);
        writer.Write(bytes);
    }

    private static void WriteText(IBufferWriter<byte> writer, string text)
    {
        int byteCount;
        try
        {
            byteCount = StrictUtf8.GetByteCount(text);
        }
        catch (EncoderFallbackException ex)
        {
            throw new ArgumentException("CBOR text string is not valid UTF-16 (lone surrogate).", nameof(text), ex);
        }

        WriteHead(writer, 3, (ulong)byteCount);
        var span = writer.GetSpan(byteCount);
        StrictUtf8.GetBytes(text, span);
        writer.Advance(byteCount);
    }

    private static void WriteMap(IBufferWriter<byte> writer, CborMap map)
    {
        var entries = new (byte[] Key, CborValue Value)[map.Count];
        var i = 0;
        foreach (var (key, value) in map)
        {
            var keyWriter = new ArrayBufferWriter<byte>();
            Write(keyWriter, key);
            entries[i++] = (keyWriter.WrittenSpan.ToArray(), value);
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

        WriteHead(writer, 5, (ulong)entries.Length);
        foreach (var (key, value) in entries)
        {
            writer.Write(key);
            Write(writer, value);
        }
    }

    private static void WriteByte(IBufferWriter<byte> writer, byte value)
    {
        writer.GetSpan(1)[0] = value;
        writer.Advance(1);
    }
}
