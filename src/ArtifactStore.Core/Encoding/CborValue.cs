using System.Numerics;

namespace ArtifactStore.Core.Encoding;

/// <summary>
/// A CBOR data item (RFC 8949). The hierarchy is closed: every concrete kind is a sealed class
/// in this assembly, so encoders and decoders can switch over it exhaustively.
/// </summary>
public abstract class CborValue : IEquatable<CborValue>
{
    // Private-protected so no type outside this assembly can add a kind the encoder does not know.
    private protected CborValue()
    {
    }

    /// <summary>Structural equality with another CBOR value.</summary>
    public abstract bool Equals(CborValue? other);

    /// <inheritdoc />
    public sealed override bool Equals(object? obj) => obj is CborValue other && Equals(other);

    /// <inheritdoc />
    public abstract override int GetHashCode();

    /// <summary>RFC 8949 §8 diagnostic notation, which is what a person debugging wants to see.</summary>
    public override string ToString() => CborDiagnostic.ToDiagnostic(this);

    /// <summary>Wraps a string as a CBOR text string.</summary>
    public static implicit operator CborValue(string value) => new CborTextString(value);

    /// <summary>Wraps an integer as a CBOR integer.</summary>
    public static implicit operator CborValue(int value) => new CborInteger(value);

    /// <summary>Wraps an integer as a CBOR integer.</summary>
    public static implicit operator CborValue(long value) => new CborInteger(value);

    /// <summary>Wraps an unsigned integer as a CBOR integer.</summary>
    public static implicit operator CborValue(ulong value) => new CborInteger(value);

    /// <summary>Wraps an arbitrary-size integer as a CBOR integer (bignum when beyond 64 bits).</summary>
    public static implicit operator CborValue(BigInteger value) => new CborInteger(value);

    /// <summary>Wraps a boolean as CBOR true or false.</summary>
    public static implicit operator CborValue(bool value) => CborBoolean.From(value);

    /// <summary>Copies a byte array into a CBOR byte string.</summary>
    public static implicit operator CborValue(byte[] value) => new CborByteString(value);

    /// <summary>Wraps a double as a CBOR float.</summary>
    public static implicit operator CborValue(double value) => new CborFloat(value);
}
