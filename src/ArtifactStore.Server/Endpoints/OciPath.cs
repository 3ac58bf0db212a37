namespace ArtifactStore.Server.Endpoints;

/// <summary>What an OCI API path below <c>/v2/</c> names.</summary>
public enum OciPathKind
{
    Unknown,
    Base,
    Manifest,
    Blob,
    Uploads,
    Upload,
    Tags,
    Catalog,
}

/// <summary>
/// A path below <c>/v2/</c> split into repository and reference. Repository names contain '/', references never
/// do, so the last marker segment (<c>/manifests/</c>, <c>/blobs/</c>, …) separates them.
/// </summary>
public sealed record OciPath(OciPathKind Kind, string Repository, string Reference)
{
    public static OciPath Parse(string path)
    {
        if (path.Length == 0)
        {
            return new OciPath(OciPathKind.Base, string.Empty, string.Empty);
        }

        // No repository is named "_catalog": a name's components start with [a-z0-9].
        if (path == "_catalog")
        {
            return new OciPath(OciPathKind.Catalog, string.Empty, string.Empty);
        }

        if (path.EndsWith("/tags/list", StringComparison.Ordinal))
        {
            return new OciPath(OciPathKind.Tags, path[..^"/tags/list".Length], string.Empty);
        }

        const string uploads = "/blobs/uploads";
        var at = path.LastIndexOf(uploads, StringComparison.Ordinal);
        if (at > 0)
        {
            var rest = path[(at + uploads.Length)..];
            if (rest is "" or "/")
            {
                return new OciPath(OciPathKind.Uploads, path[..at], string.Empty);
            }

            if (rest.StartsWith('/') && !rest[1..].Contains('/', StringComparison.Ordinal))
            {
                return new OciPath(OciPathKind.Upload, path[..at], rest[1..]);
            }
        }

        return Split(path, "/manifests/", OciPathKind.Manifest) ?? Split(path, "/blobs/", OciPathKind.Blob) ?? new OciPath(OciPathKind.Unknown, string.Empty, string.Empty);
    }

    private static OciPath? Split(string path, string marker, OciPathKind kind)
    {
        var at = path.LastIndexOf(marker, StringComparison.Ordinal);
        if (at <= 0)
        {
            return null;
        }

        var reference = path[(at + marker.Length)..];
        return reference.Length == 0 || reference.Contains('/', StringComparison.Ordinal) ? null : new OciPath(kind, path[..at], reference);
    }
}
