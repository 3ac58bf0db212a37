using System.Buffers;
using System.Text;

namespace ArtifactStore.Core.Encoding;

/// <summary>Indefinite-length items: accepted only when determinism is not required.</summary>
internal ref partial struct CborDecoder
{
    private CborValue ReadIndefinite(int major, int start, int depth)
    {
        if (_strict)
        {
            throw Error("indefinite-length item in deterministic encoding", start);
        }

        return major switch
        {
            2 or 3 => ReadChunkedString(major),
            4 => ReadIndefiniteArray(depth),
            5 => ReadIndefiniteMap(depth),
            _ => throw Error($"indefinite length is not allowed for major type {major}", start),
        };
    }

    private bool AtBreak()
    {
        if (_position < _data.Length && _data[_position] == 0xff)
        {
            _position++;
            return true;
        }

        return false;
    }

    private CborValue ReadChunkedString(int major)
    {
        var bytes = new ArrayBufferWriter<byte>();
        var text = new StringBuilder();
        while (!AtBreak())
        {
            var chunkStart = _position;
            var initial = ReadByte();
            if (initial >> 5 != major || (initial & 0x1f) == 31)
            {
                throw Error("indefinite-length string chunk is not a definite string of the same type", chunkStart);
            }

            var chunk = ReadBytes(ReadArgument(initial & 0x1f, chunkStart), chunkStart);
            if (major == 2)
            {
                bytes.Write(chunk);
            }
            else
            {
                // Chunks must each be whole UTF-8: a code point may not straddle two of them.
                text.Append(DecodeUtf8(chunk, chunkStart));
            }
        }

        return major == 2 ? new CborByteString(bytes.WrittenSpan) : new CborTextString(text.ToString());
    }

    private CborArray ReadIndefiniteArray(int depth)
    {
        var items = new List<CborValue>();
        while (!AtBreak())
        {
            items.Add(ReadItem(depth + 1));
        }

        return new CborArray(items);
    }

    private CborMap ReadIndefiniteMap(int depth)
    {
        var map = new CborMap();
        while (!AtBreak())
        {
            var keyStart = _position;
            var key = ReadItem(depth + 1);
            if (_position < _data.Length && _data[_position] == 0xff)
            {
                throw Error("break stop code between a map key and its value", _position);
            }

            AddEntry(map, key, ReadItem(depth + 1), keyStart);
        }

        return map;
    }
}
