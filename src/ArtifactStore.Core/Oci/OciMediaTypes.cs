namespace ArtifactStore.Core.Oci;

/// <summary>The manifest media types the registry stores and serves (docs/oci.md, "Manifests").</summary>
public static class OciMediaTypes
{
    public const string ImageManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string ImageIndex = "application/vnd.oci.image.index.v1+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";

    /// <summary>Whether a manifest of this type lists other manifests (an index or a manifest list).</summary>
    public static bool IsIndex(string mediaType) => mediaType is ImageIndex or DockerManifestList;

    public static bool IsManifest(string mediaType) => mediaType is ImageManifest or ImageIndex or DockerManifest or DockerManifestList;
}
