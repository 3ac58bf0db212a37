using ArtifactStore.Core.Blobs;

namespace ArtifactStore.S3;

/// <summary>
/// The bucket's layout under the store's prefix (docs/s3.md): blobs at <c>blobs/sha256/&lt;hex&gt;</c>, and
/// the writability probe's short-lived objects under <c>probes/</c> and upload sessions under <c>uploads/</c>,
/// which no blob listing sees.
/// </summary>
internal sealed class S3Keys(string prefix)
{
    public string BlobPrefix { get; } = prefix + "blobs/sha256/";

    public string Blob(BlobDigest digest) => BlobPrefix + digest.Hex;

    /// <summary>The store's identity marker (docs/s3.md, "Keys"); not a blob, never listed or collected.</summary>
    public string Marker { get; } = prefix + "store.json";

    /// <summary>
    /// The key of an upload session's multipart upload and, once completed, of its staged object, which is
    /// copied to the blob's key (docs/upload.md, "Upload sessions on scale-out"). Never under the blob prefix.
    /// </summary>
    public string Session(Guid id) => prefix + "uploads/" + id.ToString("N");

    public string Probe(Guid id) => prefix + "probes/" + id.ToString("N");

    /// <summary>The digest a listed key stands for; false for any other key under the blob prefix.</summary>
    public bool TryParseBlob(string key, out BlobDigest digest)
    {
        digest = default;
        // Exactly 64 hex characters after the prefix: the bare form, never "sha256:…" or a deeper key.
        if (!key.StartsWith(BlobPrefix, StringComparison.Ordinal) || key.Length != BlobPrefix.Length + 64
            || !BlobDigest.TryParse(key[BlobPrefix.Length..], out var parsed))
        {
            return false;
        }

        digest = parsed.Value;
        return true;
    }
}
