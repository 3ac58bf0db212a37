namespace ArtifactStore.Core.Packages;

/// <summary>
/// What a download needs of a live package: its id and its files, indexed by path. A package's files never
/// change once it is created, so this is what <see cref="PackageFileCache"/> keeps (never the retention state,
/// which does change).
/// </summary>
public sealed class PackageFiles
{
    private readonly Dictionary<string, PackageFile> _byPath = new(StringComparer.Ordinal);

    public PackageFiles(Guid id, IReadOnlyList<PackageFile> files)
    {
        Id = id;
        Files = files;
        foreach (var file in files)
        {
            _byPath.TryAdd(file.Path, file);
        }
    }

    public Guid Id { get; }

    public IReadOnlyList<PackageFile> Files { get; }

    /// <summary>The file at <paramref name="path"/>, matched as <see cref="PackageView.FindFile"/> does.</summary>
    public PackageFile? Find(string path) =>
        _byPath.TryGetValue(path, out var exact) ? exact : PackageView.FindByPathKey(Files, path);
}
