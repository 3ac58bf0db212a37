namespace ArtifactStore.Core.Encoding;

/// <summary>CBOR <c>true</c> or <c>false</c> (simple values 21 and 20).</summary>
public sealed class CborBoolean : CborValue
{
    private CborBoolean(bool value) => Value = value;

    /// <summary>CBOR <c>true</c>.</summary>
    public static CborBoolean True { get; } = new(true);

    /// <summary>CBOR <c>false</c>.</summary>
    public static CborBoolean False { get; } = new(false);

    /// <summary>The boolean value.</summary>
    public bool Value { get; }

    /// <summary>The shared instance for <paramref name="value"/>.</summary>
    public static CborBoolean From(bool value) => value ? True : False;

    /// <inheritdoc />
    public override bool Equals(CborValue? other) => other is CborBoolean b && b.Value == Value;

    /// <inheritdoc />
    public override int GetHashCode() => Value ? 21 : 20;
}
