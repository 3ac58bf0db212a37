using ArtifactStore.Core.Events;

namespace ArtifactStore.Core.Oci;

/// <summary>
/// What a created package adds to the registry's views (docs/oci.md, "Tag and catalog views"): a package with an
/// <c>oci.digest</c> label is a manifest of the repository it is named after, and with an <c>oci.tag</c> label too,
/// the newest of them names the tag. Both database adapters' projectors ask this, so their views cannot disagree.
/// </summary>
public sealed record OciViewEntry(string Repository, string? Tag)
{
    /// <summary>The entry of <paramref name="created"/>, or null when it is not a manifest.</summary>
    public static OciViewEntry? Of(PackageCreated created)
    {
        string? digest = null;
        string? tag = null;
        foreach (var (key, value) in created.Labels)
        {
            if (key == OciRegistry.DigestLabel)
            {
                digest = value;
            }
            else if (key == OciRegistry.TagLabel)
            {
                tag = value;
            }
        }

        return digest is null ? null : new OciViewEntry(created.Name, tag);
    }
}
