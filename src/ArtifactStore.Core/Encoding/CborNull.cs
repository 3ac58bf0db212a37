namespace ArtifactStore.Core.Encoding;

/// <summary>CBOR <c>null</c> (simple value 22).</summary>
public sealed class CborNull : CborValue
{
    private CborNull()
    {
    }

    /// <summary>The single instance.</summary>
    public static CborNull Instance { get; } = new();

    /// <inheritdoc />
    public override bool Equals(CborValue? other) => other is CborNull;

    /// <inheritdoc />
    public override int GetHashCode() => 22;
}
