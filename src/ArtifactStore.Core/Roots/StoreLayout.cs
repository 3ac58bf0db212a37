namespace ArtifactStore.Core.Roots;

/// <summary>
/// The entries of a data root that a backend keeps its store in (docs/data-layout.md): the directories it
/// owns, and the files whose presence proves a store is there. The data root's safety checks read it
/// (data without a marker, nested roots, permissions) without knowing which backend it describes. A
/// backend that keeps its store outside the data root owns no entries.
/// </summary>
/// <param name="Directories">Directories directly under the root that the backend owns, created when the root is opened.</param>
/// <param name="DataFiles">Files (relative to the root) that hold the store itself, checked for presence and permissions.</param>
public sealed record StoreLayout(IReadOnlyList<string> Directories, IReadOnlyList<string> DataFiles)
{
    /// <summary>A backend that keeps nothing in the data root.</summary>
    public static StoreLayout None { get; } = new([], []);

    /// <summary>Whether the backend keeps its store outside the data root (scale-out: PostgreSQL and S3), owning no entries in it.</summary>
    public bool KeepsStoreOutsideRoot => Directories.Count == 0 && DataFiles.Count == 0;
}
