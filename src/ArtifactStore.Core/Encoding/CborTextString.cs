namespace ArtifactStore.Core.Encoding;

/// <summary>A CBOR text string (major type 3), encoded as UTF-8.</summary>
public sealed class CborTextString : CborValue
{
    /// <summary>Creates a text string. Lone surrogates are rejected when the value is encoded.</summary>
    public CborTextString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Value = value;
    }

    /// <summary>The text.</summary>
    public string Value { get; }

    /// <inheritdoc />
    public override bool Equals(CborValue? other) =>
        other is CborTextString t && string.Equals(t.Value, Value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(3, StringComparer.Ordinal.GetHashCode(Value));
}
