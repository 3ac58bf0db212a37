namespace ArtifactStore.Core.Storage;

/// <summary>A store's schema version (0 when it has none yet) and the newest this binary knows.</summary>
public sealed record SchemaVersions(int Store, int Latest)
{
    public bool IsCurrent => Store == Latest;
}
