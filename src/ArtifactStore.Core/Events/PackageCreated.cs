using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Packages;

namespace ArtifactStore.Core.Events;

/// <summary>Payload of <c>v1.package.created</c>: everything needed to rebuild the package's views.</summary>
public sealed record PackageCreated(
    Guid PackageId,
    string Name,
    IReadOnlyList<KeyValuePair<string, string>> Labels,
    BlobDigest ManifestDigest,
    long ManifestSize,
    string ManifestBlake3Hex,
    IReadOnlyList<PackageFile> Files)
{
    public CborMap ToCbor()
    {
        var labels = new CborMap();
        foreach (var (key, value) in Labels)
        {
            labels.Add(key, value);
        }

        return new CborMap
        {
            { "package_id", PackageId.ToString() },
            { "name", Name },
            { "labels", labels },
            { "manifest", new CborMap { { "sha256", ManifestDigest.ToString() }, { "size", ManifestSize }, { "blake3", ManifestBlake3Hex } } },
            { "files", new CborArray(Files.Select(FileToCbor).ToArray()) },
        };
    }

    public static PackageCreated FromCbor(CborMap map)
    {
        var labels = map.GetMap("labels")
            .Select(e => KeyValuePair.Create(((CborTextString)e.Key).Value, ((CborTextString)e.Value).Value))
            .ToArray();
        var manifest = map.GetMap("manifest");
        var files = map.GetArray("files").Select(item => FileFromCbor((CborMap)item)).ToArray();
        return new PackageCreated(
            Guid.Parse(map.GetText("package_id")),
            map.GetText("name"),
            labels,
            BlobDigest.Parse(manifest.GetText("sha256")),
            manifest.GetInt64("size"),
            manifest.GetText("blake3"),
            files);
    }

    internal static CborMap FileToCbor(PackageFile file) => new()
    {
        { "path", file.Path },
        { "size", file.Size },
        { "sha256", file.Sha256.ToString() },
        { "blake3", "blake3:" + file.Blake3Hex },
        { "media_type", file.MediaType },
    };

    internal static PackageFile FileFromCbor(CborMap map) => new(
        map.GetText("path"),
        map.GetInt64("size"),
        BlobDigest.Parse(map.GetText("sha256")),
        map.GetText("blake3")["blake3:".Length..],
        map.GetText("media_type"));
}
