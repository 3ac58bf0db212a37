namespace ArtifactStore.Core.Oci;

/// <summary>
/// The error codes of the OCI distribution specification that the registry answers with (docs/oci.md, "Errors").
/// They are the <c>code</c> of a <see cref="Errors.StoreError"/> like any other; the server writes them in the
/// OCI error format on <c>/v2/</c>.
/// </summary>
public static class OciErrorCodes
{
    public const string BlobUnknown = "BLOB_UNKNOWN";
    public const string BlobUploadInvalid = "BLOB_UPLOAD_INVALID";
    public const string BlobUploadUnknown = "BLOB_UPLOAD_UNKNOWN";
    public const string DigestInvalid = "DIGEST_INVALID";
    public const string ManifestBlobUnknown = "MANIFEST_BLOB_UNKNOWN";
    public const string ManifestInvalid = "MANIFEST_INVALID";
    public const string ManifestUnknown = "MANIFEST_UNKNOWN";
    public const string NameInvalid = "NAME_INVALID";
    public const string NameUnknown = "NAME_UNKNOWN";
    public const string SizeInvalid = "SIZE_INVALID";
    public const string Unsupported = "UNSUPPORTED";

    /// <summary>Whether <paramref name="code"/> is one of the specification's codes (as opposed to one of the store's own).</summary>
    public static bool IsOci(string code) => code.Length > 0 && code.All(c => c is >= 'A' and <= 'Z' or '_');
}
