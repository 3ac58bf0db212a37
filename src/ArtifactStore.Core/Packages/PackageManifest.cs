using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Events;

namespace ArtifactStore.Core.Packages;

/// <summary>
/// A package's manifest: name, labels and files (sorted by path), as canonical CBOR. It is stored as a
/// blob; its digest is the package's content identity, so it holds no id, time or retention state.
/// </summary>
public static class PackageManifest
{
    public const string Schema = "artifactstore.manifest.v1";

    public static CborMap Build(string name, IEnumerable<KeyValuePair<string, string>> labels, IEnumerable<PackageFile> files)
    {
        var labelMap = new CborMap();
        foreach (var (key, value) in labels)
        {
            labelMap.Add(key, value);
        }

        return new CborMap
        {
            { "schema", Schema },
            { "name", name },
            { "labels", labelMap },
            { "files", new CborArray(files.OrderBy(f => f.Path, StringComparer.Ordinal).Select(PackageCreated.FileToCbor).ToArray()) },
        };
    }

    public static byte[] Encode(CborMap manifest) => Cbor.Encode(manifest);
}
