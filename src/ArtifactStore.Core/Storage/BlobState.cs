namespace ArtifactStore.Core.Storage;

/// <summary>GC state of a blob row: <c>live → condemned → deleting</c>, and back to live by resurrection.</summary>
public enum BlobState
{
    Live,
    Condemned,
    Deleting,
}
