namespace ArtifactStore.Core.Encoding;

/// <summary>
/// A CBOR simple value other than false/true/null/undefined, which have their own types so that
/// each value has exactly one representation in the model (value equality depends on that).
/// </summary>
public sealed class CborSimpleValue : CborValue
{
    /// <summary>Creates simple value <paramref name="value"/>; 20..23 have dedicated types and 24..31 are reserved.</summary>
    public CborSimpleValue(byte value)
    {
        if (value is >= 20 and <= 31)
        {
            throw new ArgumentOutOfRangeException(
                nameof(value), value, "Simple values 20..23 have dedicated types and 24..31 are reserved.");
        }

        Value = value;
    }

    /// <summary>The simple value number.</summary>
    public byte Value { get; }

    /// <inheritdoc />
    public override bool Equals(CborValue? other) => other is CborSimpleValue s && s.Value == Value;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(7, Value);
}
