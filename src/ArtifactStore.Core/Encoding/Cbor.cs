using System.Buffers;

namespace ArtifactStore.Core.Encoding;

/// <summary>Entry points for the deterministic CBOR encoder and the decoder.</summary>
public static class Cbor
{
    /// <summary>
    /// Encodes <paramref name="value"/> in RFC 8949 §4.2.1 core deterministic encoding. Equal
    /// values always give identical bytes, which is what lets the bytes be hashed and signed.
    /// </summary>
    /// <exception cref="ArgumentException">A map holds duplicate keys or a text string a lone surrogate.</exception>
    public static byte[] Encode(CborValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return CborEncoder.Encode(value);
    }

    /// <summary>Encodes <paramref name="value"/> deterministically into <paramref name="writer"/>.</summary>
    public static void Encode(CborValue value, IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(writer);
        CborEncoder.Encode(value, writer);
    }

    /// <summary>
    /// Decodes exactly one data item that must span all of <paramref name="data"/>. Indefinite-length
    /// items become their definite equivalents; tags 2/3 over byte strings become integers.
    /// </summary>
    /// <exception cref="CborFormatException">The input is malformed or breaks <paramref name="options"/>.</exception>
    public static CborValue Decode(ReadOnlySpan<byte> data, CborDecodeOptions? options = null)
    {
        var value = DecodeFirst(data, out var consumed, options);
        if (consumed != data.Length)
        {
            throw new CborFormatException($"{data.Length - consumed} trailing bytes after the data item", consumed);
        }

        return value;
    }

    /// <summary>Decodes the first data item of <paramref name="data"/>, for inputs that hold a sequence of items.</summary>
    public static CborValue DecodeFirst(ReadOnlySpan<byte> data, out int bytesConsumed, CborDecodeOptions? options = null)
    {
        options ??= CborDecodeOptions.Default;
        var decoder = new CborDecoder(data.ToArray(), options);
        var value = decoder.ReadItem(0);
        bytesConsumed = decoder.Position;
        if (options.RequireDeterministic)
        {
            RequireDeterministic(data[..bytesConsumed], value);
        }

        return value;
    }

    /// <summary>
    /// The deterministic encoding of a value is unique, so input is deterministic exactly when
    /// encoding what it decoded to gives the same bytes back. This covers every §4.2.1 rule at
    /// once: shortest arguments, definite lengths, sorted keys, preferred floats and bignums.
    /// </summary>
    private static void RequireDeterministic(ReadOnlySpan<byte> input, CborValue value)
    {
        var canonical = CborEncoder.Encode(value);
        var same = input.CommonPrefixLength(canonical);
        if (same != input.Length || same != canonical.Length)
        {
            throw new CborFormatException("not the RFC 8949 §4.2.1 deterministic encoding of its value", same);
        }
    }
}
