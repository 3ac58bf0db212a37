using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace ArtifactStore.Core.Encoding;

/// <summary>
/// Reads one CBOR data item from a span. Well-formedness is always enforced (RFC 8949 §3 and
/// Appendix F); with <see cref="CborDecodeOptions.RequireDeterministic"/> every §4.2.1 rule is too.
/// </summary>
internal ref partial struct CborDecoder
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly BigInteger TwoPow64 = BigInteger.One << 64;

    private readonly ReadOnlySpan<byte> _data;
    private readonly bool _strict;
    private readonly int _maxDepth;
    private int _position;

    public CborDecoder(ReadOnlySpan<byte> data, CborDecodeOptions options)
    {
        _data = data;
        _strict = options.RequireDeterministic;
        _maxDepth = options.MaxDepth;
    }

    public readonly int Position => _position;

    public CborValue ReadItem(int depth)
    {
        if (depth > _maxDepth)
        {
            throw Error($"nesting deeper than {_maxDepth} levels", _position);
        }

        var start = _position;
        var initial = ReadByte();
        var major = initial >> 5;
        var info = initial & 0x1f;
        if (major == 7)
        {
            return ReadSimpleOrFloat(info, start);
        }

        if (info == 31)
        {
            return ReadIndefinite(major, start, depth);
        }

        var argument = ReadArgument(info, start);
        return major switch
        {
            0 => new CborInteger(argument),
            1 => new CborInteger(BigInteger.MinusOne - argument),
            2 => new CborByteString(ReadBytes(argument, start)),
            3 => new CborTextString(DecodeUtf8(ReadBytes(argument, start), start)),
            4 => ReadArray(argument, start, depth),
            5 => ReadMap(argument, start, depth),
            _ => ReadTag(argument, start, depth),
        };
    }

    private static CborFormatException Error(string message, int offset) => new(message, offset);

    private byte ReadByte()
    {
        if (_position >= _data.Length)
        {
            throw Error("unexpected end of input", _position);
        }

        return _data[_position++];
    }

    private ReadOnlySpan<byte> Take(int count, int start)
    {
        if (_data.Length - _position < count)
        {
            throw Error("unexpected end of input", start);
        }

        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    private ulong ReadArgument(int info, int start)
    {
        // Each longer form must carry a value the shorter forms could not, or it is not the shortest.
        (ulong value, ulong minimum) = info switch
        {
            < 24 => ((ulong)info, 0UL),
            24 => (ReadByte(), 24UL),
            25 => (BinaryPrimitives.ReadUInt16BigEndian(Take(2, start)), 0x100UL),
            26 => (BinaryPrimitives.ReadUInt32BigEndian(Take(4, start)), 0x1_0000UL),
            27 => (BinaryPrimitives.ReadUInt64BigEndian(Take(8, start)), 0x1_0000_0000UL),
            _ => throw Error($"reserved additional information {info}", start),
        };
        if (_strict && value < minimum)
        {
            throw Error("argument not in shortest form", start);
        }

        return value;
    }

    private ReadOnlySpan<byte> ReadBytes(ulong length, int start)
    {
        if (length > (ulong)(_data.Length - _position))
        {
            throw Error($"string of {length} bytes runs past the end of input", start);
        }

        return Take((int)length, start);
    }

    private static string DecodeUtf8(ReadOnlySpan<byte> bytes, int start)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new CborFormatException("text string is not valid UTF-8", start, ex);
        }
    }

    private CborValue ReadSimpleOrFloat(int info, int start)
    {
        switch (info)
        {
            case < 20:
                return new CborSimpleValue((byte)info);
            case 20:
                return CborBoolean.False;
            case 21:
                return CborBoolean.True;
            case 22:
                return CborNull.Instance;
            case 23:
                return CborUndefined.Instance;
            case 24:
                var simple = ReadByte();
                if (simple < 32)
                {
                    // RFC 8949 §3.3: the two-byte form of a value below 32 is not well-formed.
                    throw Error($"two-byte simple value {simple} below 32", start);
                }

                return new CborSimpleValue(simple);
            case 25:
                var half = BinaryPrimitives.ReadUInt16BigEndian(Take(2, start));
                return CheckFloat((double)BitConverter.UInt16BitsToHalf(half), 2, half, start);
            case 26:
                var single = BinaryPrimitives.ReadUInt32BigEndian(Take(4, start));
                return CheckFloat(BitConverter.UInt32BitsToSingle(single), 4, single, start);
            case 27:
                var bits = BinaryPrimitives.ReadUInt64BigEndian(Take(8, start));
                return CheckFloat(BitConverter.UInt64BitsToDouble(bits), 8, bits, start);
            case 31:
                throw Error("break stop code outside an indefinite-length item", start);
            default:
                throw Error($"reserved additional information {info}", start);
        }
    }

    private readonly CborFloat CheckFloat(double value, int width, ulong bits, int start)
    {
        if (_strict)
        {
            var preferred = CborEncoder.PreferredFloatWidth(value, out var preferredBits);
            if (preferred != width || preferredBits != bits)
            {
                throw Error($"float not in preferred serialization ({width} bytes where {preferred} suffice)", start);
            }
        }

        return new CborFloat(value);
    }

    private CborArray ReadArray(ulong count, int start, int depth)
    {
        if (count > (ulong)(_data.Length - _position))
        {
            throw Error($"array of {count} items cannot fit in the remaining input", start);
        }

        var items = new CborValue[(int)count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = ReadItem(depth + 1);
        }

        return new CborArray(items);
    }

    private CborMap ReadMap(ulong count, int start, int depth)
    {
        if (count > (ulong)(_data.Length - _position) / 2)
        {
            throw Error($"map of {count} entries cannot fit in the remaining input", start);
        }

        var map = new CborMap();
        var previousKey = ReadOnlySpan<byte>.Empty;
        for (ulong i = 0; i < count; i++)
        {
            var keyStart = _position;
            var key = ReadItem(depth + 1);
            var keyBytes = _data[keyStart.._position];
            if (_strict && i > 0 && keyBytes.SequenceCompareTo(previousKey) <= 0)
            {
                throw Error("map keys not in bytewise lexicographic order of their encodings", keyStart);
            }

            previousKey = keyBytes;
            AddEntry(map, key, ReadItem(depth + 1), keyStart);
        }

        return map;
    }

    private static void AddEntry(CborMap map, CborValue key, CborValue value, int keyStart)
    {
        if (map.ContainsKey(key))
        {
            throw Error($"duplicate map key {key}", keyStart);
        }

        map.Add(key, value);
    }

    private CborValue ReadTag(ulong tag, int start, int depth)
    {
        var content = ReadItem(depth + 1);
        if (tag is not (2 or 3) || content is not CborByteString bignum)
        {
            return new CborTag(tag, content);
        }

        var magnitude = new BigInteger(bignum.Span, isUnsigned: true, isBigEndian: true);
        if (_strict && (magnitude < TwoPow64 || bignum.Span[0] == 0))
        {
            // Preferred serialization puts bignums that fit 64 bits in major type 0/1 (RFC 8949 §3.4.3).
            throw Error("bignum that is not in preferred serialization", start);
        }

        return new CborInteger(tag == 2 ? magnitude : BigInteger.MinusOne - magnitude);
    }
}
