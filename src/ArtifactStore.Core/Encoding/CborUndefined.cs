namespace ArtifactStore.Core.Encoding;

/// <summary>CBOR <c>undefined</c> (simple value 23).</summary>
public sealed class CborUndefined : CborValue
{
    private CborUndefined()
    {
    }

    /// <summary>The single instance.</summary>
    public static CborUndefined Instance { get; } = new();

    /// <inheritdoc />
    public override bool Equals(CborValue? other) => other is CborUndefined;

    /// <inheritdoc />
    public override int GetHashCode() => 23;
}
