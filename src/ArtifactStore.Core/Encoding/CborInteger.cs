using System.Numerics;

namespace ArtifactStore.Core.Encoding;

/// <summary>
/// A CBOR integer of any size. Values whose magnitude fits the 64-bit argument are encoded as
/// major type 0/1; larger ones as tag 2/3 bignums, which is RFC 8949's preferred serialization.
/// </summary>
public sealed class CborInteger : CborValue
{
    /// <summary>Creates an integer.</summary>
    public CborInteger(long value) => Value = value;

    /// <summary>Creates an integer.</summary>
    public CborInteger(ulong value) => Value = value;

    /// <summary>Creates an integer of any size.</summary>
    public CborInteger(BigInteger value) => Value = value;

    /// <summary>The integer value.</summary>
    public BigInteger Value { get; }

    /// <summary>The value as <see cref="long"/>; throws <see cref="OverflowException"/> when out of range.</summary>
    public long ToInt64() => (long)Value;

    /// <summary>The value as <see cref="ulong"/>; throws <see cref="OverflowException"/> when out of range.</summary>
    public ulong ToUInt64() => (ulong)Value;

    /// <inheritdoc />
    public override bool Equals(CborValue? other) => other is CborInteger i && i.Value == Value;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(0, Value);
}
