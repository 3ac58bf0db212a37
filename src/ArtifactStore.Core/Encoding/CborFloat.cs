namespace ArtifactStore.Core.Encoding;

/// <summary>
/// A CBOR floating-point number. It is always held as a double and written in the shortest of
/// half/single/double that keeps the value exact, so the width it arrived in is not part of the value.
/// </summary>
public sealed class CborFloat : CborValue
{
    /// <summary>Creates a float.</summary>
    public CborFloat(double value) => Value = value;

    /// <summary>The value.</summary>
    public double Value { get; }

    /// <summary>
    /// Bitwise equality so that 0.0 and -0.0 differ (they encode differently), except that all
    /// NaNs are one value because every NaN is encoded as the same f97e00.
    /// </summary>
    public override bool Equals(CborValue? other) =>
        other is CborFloat f
        && (double.IsNaN(Value)
            ? double.IsNaN(f.Value)
            : BitConverter.DoubleToInt64Bits(f.Value) == BitConverter.DoubleToInt64Bits(Value));

    /// <inheritdoc />
    public override int GetHashCode() =>
        double.IsNaN(Value) ? 0x7e00 : BitConverter.DoubleToInt64Bits(Value).GetHashCode();
}
