using ArtifactStore.Core.Blobs;

namespace ArtifactStore.Core.Packages;

/// <summary>A package as the views hold it.</summary>
public sealed record PackageView(
    Guid Id,
    string Name,
    IReadOnlyList<KeyValuePair<string, string>> Labels,
    PackageState State,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    string RetentionClass,
    BlobDigest ManifestDigest,
    long ManifestSize,
    IReadOnlyList<PackageFile> Files,
    RetentionView Retention,
    PackageTombstone? Tombstone = null)
{
    /// <summary>
    /// The file at <paramref name="path"/>: the one with exactly that path, else the one that is the same path in
    /// another Unicode form (<see cref="PackageValidation.PathKey"/>), so a path typed in NFC finds a file uploaded
    /// with an NFD name and the other way round. Uploads refuse two such paths in one package.
    /// </summary>
    public PackageFile? FindFile(string path) => Files.FirstOrDefault(f => f.Path == path) ?? FindByPathKey(Files, path);

    /// <summary>The file whose path is <paramref name="path"/> in another Unicode form, or null (the second step of <see cref="FindFile"/>).</summary>
    internal static PackageFile? FindByPathKey(IReadOnlyList<PackageFile> files, string path)
    {
        if (PackageValidation.CheckPath(path) is not null)
        {
            return null;
        }

        var key = PackageValidation.PathKey(path);
        return files.FirstOrDefault(f => PackageValidation.PathKey(f.Path) == key);
    }
}
