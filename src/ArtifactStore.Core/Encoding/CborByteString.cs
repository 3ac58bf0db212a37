namespace ArtifactStore.Core.Encoding;

/// <summary>A CBOR byte string (major type 2). The bytes are copied in, so the value is immutable.</summary>
public sealed class CborByteString : CborValue
{
    private readonly byte[] _bytes;

    /// <summary>Creates a byte string holding a copy of <paramref name="bytes"/>.</summary>
    public CborByteString(ReadOnlySpan<byte> bytes) => _bytes = bytes.ToArray();

    /// <summary>Creates a byte string holding a copy of <paramref name="bytes"/>.</summary>
    public CborByteString(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        _bytes = (byte[])bytes.Clone();
    }

    /// <summary>The bytes, read-only.</summary>
    public ReadOnlyMemory<byte> Value => _bytes;

    /// <summary>The bytes, read-only.</summary>
    public ReadOnlySpan<byte> Span => _bytes;

    /// <summary>The number of bytes.</summary>
    public int Length => _bytes.Length;

    /// <summary>A copy of the bytes.</summary>
    public byte[] ToArray() => (byte[])_bytes.Clone();

    /// <inheritdoc />
    public override bool Equals(CborValue? other) =>
        other is CborByteString b && b._bytes.AsSpan().SequenceEqual(_bytes);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.Add(2);
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }
}
