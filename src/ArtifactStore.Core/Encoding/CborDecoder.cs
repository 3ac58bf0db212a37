using System.Formats.Cbor;
using System.Numerics;
using System.Text;

namespace ArtifactStore.Core.Encoding;

/// <summary>
/// Reads one CBOR data item into the <see cref="CborValue"/> model with <see cref="CborReader"/>
/// in lax mode, adding what the model and our callers need on top: a depth limit, strict UTF-8,
/// duplicate keys judged by value, tags 2/3 read as integers, and byte offsets in every error.
/// Determinism (<see cref="CborDecodeOptions.RequireDeterministic"/>) is checked by the caller.
/// </summary>
internal sealed class CborDecoder
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly CborReader _reader;
    private readonly ReadOnlyMemory<byte> _data;
    private readonly int _maxDepth;

    public CborDecoder(ReadOnlyMemory<byte> data, CborDecodeOptions options)
    {
        _data = data;
        _maxDepth = options.MaxDepth;
        _reader = new CborReader(data, new CborReaderOptions
        {
            ConformanceMode = CborConformanceMode.Lax,
            AllowMultipleRootLevelValues = true,

            // Our own limit counts tags as nesting too, so it always trips before the library's.
            MaxDepth = options.MaxDepth + 1,
        });
    }

    public int Position => _data.Length - _reader.BytesRemaining;

    public CborValue ReadItem(int depth)
    {
        if (depth > _maxDepth)
        {
            throw new CborFormatException($"nesting deeper than {_maxDepth} levels", Position);
        }

        var start = Position;
        try
        {
            return ReadItem(Peek(), start, depth);
        }
        catch (Exception ex) when (ex is CborContentException or InvalidOperationException or DecoderFallbackException)
        {
            // The library does not say where it failed; it stops at the item it could not read.
            throw new CborFormatException(ex.Message, ErrorOffset(start), ex);
        }
    }

    private CborValue ReadItem(CborReaderState state, int start, int depth) => state switch
    {
        CborReaderState.UnsignedInteger => new CborInteger(_reader.ReadUInt64()),
        CborReaderState.NegativeInteger => new CborInteger(BigInteger.MinusOne - _reader.ReadCborNegativeIntegerRepresentation()),
        CborReaderState.ByteString => new CborByteString(_reader.ReadDefiniteLengthByteString().Span),
        CborReaderState.TextString => new CborTextString(StrictUtf8.GetString(_reader.ReadDefiniteLengthTextStringBytes().Span)),
        CborReaderState.StartIndefiniteLengthByteString => ReadChunkedBytes(),
        CborReaderState.StartIndefiniteLengthTextString => ReadChunkedText(),
        CborReaderState.StartArray => ReadArray(depth),
        CborReaderState.StartMap => ReadMap(depth),
        CborReaderState.Tag => ReadTag(depth),
        CborReaderState.HalfPrecisionFloat => new CborFloat((double)_reader.ReadHalf()),
        CborReaderState.SinglePrecisionFloat => new CborFloat(_reader.ReadSingle()),
        CborReaderState.DoublePrecisionFloat => new CborFloat(_reader.ReadDouble()),
        CborReaderState.Boolean => CborBoolean.From(_reader.ReadBoolean()),
        CborReaderState.Null => ReadNull(),
        CborReaderState.SimpleValue => ReadSimpleValue(start),
        _ => throw new CborFormatException($"unexpected {state}", start),
    };

    /// <summary>The next item's state, with the end of input reported as an error rather than a state.</summary>
    private CborReaderState Peek()
    {
        var state = _reader.PeekState();
        return state == CborReaderState.Finished ? throw new CborFormatException("unexpected end of input", Position) : state;
    }

    /// <summary>
    /// Where an error in the item at <paramref name="start"/> lies: at the end of the input when the
    /// input ends inside the item's head (RFC 8949 §3: one initial byte plus 1, 2, 4 or 8 argument bytes).
    /// </summary>
    private int ErrorOffset(int start)
    {
        if (start >= _data.Length)
        {
            return start;
        }

        var headLength = (_data.Span[start] & 0x1f) switch
        {
            24 => 2,
            25 => 3,
            26 => 5,
            27 => 9,
            _ => 1,
        };
        return _data.Length - start < headLength ? _data.Length : start;
    }

    private CborNull ReadNull()
    {
        _reader.ReadNull();
        return CborNull.Instance;
    }

    private CborValue ReadSimpleValue(int start)
    {
        // RFC 8949 §3.3: the two-byte form of a value below 32 is not well-formed; the lax reader takes it.
        var twoByteForm = _data.Span[start] == 0xf8;
        var value = (byte)_reader.ReadSimpleValue();
        if (twoByteForm && value < 32)
        {
            throw new CborFormatException($"two-byte simple value {value} below 32", start);
        }

        return value == 23 ? CborUndefined.Instance : new CborSimpleValue(value);
    }

    private CborByteString ReadChunkedBytes()
    {
        _reader.ReadStartIndefiniteLengthByteString();
        var bytes = new List<byte>();
        while (!AtEnd(CborReaderState.EndIndefiniteLengthByteString))
        {
            bytes.AddRange(ReadHere(static reader => reader.ReadDefiniteLengthByteString()).Span);
        }

        _reader.ReadEndIndefiniteLengthByteString();
        return new CborByteString(bytes.ToArray());
    }

    private CborTextString ReadChunkedText()
    {
        _reader.ReadStartIndefiniteLengthTextString();
        var text = new StringBuilder();
        while (!AtEnd(CborReaderState.EndIndefiniteLengthTextString))
        {
            // Chunks must each be whole UTF-8: a code point may not straddle two of them.
            text.Append(ReadHere(static reader => StrictUtf8.GetString(reader.ReadDefiniteLengthTextStringBytes().Span)));
        }

        _reader.ReadEndIndefiniteLengthTextString();
        return new CborTextString(text.ToString());
    }

    /// <summary>Whether the next item is the end of an indefinite-length one; errors point at that item.</summary>
    private bool AtEnd(CborReaderState end) => ReadHere(static reader => reader.PeekState()) == end;

    /// <summary>Reads with errors reported at the current position (a chunk or a break, not the enclosing item).</summary>
    private T ReadHere<T>(Func<CborReader, T> read)
    {
        var here = Position;
        try
        {
            return read(_reader);
        }
        catch (Exception ex) when (ex is CborContentException or InvalidOperationException or DecoderFallbackException)
        {
            throw new CborFormatException(ex.Message, here, ex);
        }
    }

    private CborArray ReadArray(int depth)
    {
        var count = _reader.ReadStartArray();
        var items = new List<CborValue>(count ?? 0);
        while (count is { } definite ? items.Count < definite : !AtEnd(CborReaderState.EndArray))
        {
            items.Add(ReadItem(depth + 1));
        }

        _reader.ReadEndArray();
        return new CborArray(items);
    }

    private CborMap ReadMap(int depth)
    {
        var count = _reader.ReadStartMap();
        var map = new CborMap();
        while (count is { } definite ? map.Count < definite : !AtEnd(CborReaderState.EndMap))
        {
            var keyStart = Position;
            var key = ReadItem(depth + 1);
            var value = ReadItem(depth + 1);
            if (map.ContainsKey(key))
            {
                throw new CborFormatException($"duplicate map key {key}", keyStart);
            }

            map.Add(key, value);
        }

        _reader.ReadEndMap();
        return map;
    }

    private CborValue ReadTag(int depth)
    {
        var tag = (ulong)_reader.ReadTag();
        var content = ReadItem(depth + 1);
        if (tag is not (2 or 3) || content is not CborByteString bignum)
        {
            return new CborTag(tag, content);
        }

        var magnitude = new BigInteger(bignum.Span, isUnsigned: true, isBigEndian: true);
        return new CborInteger(tag == 2 ? magnitude : BigInteger.MinusOne - magnitude);
    }
}
