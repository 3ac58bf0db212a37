namespace ArtifactStore.Core.Uploads;

/// <summary>Stable error codes of upload sessions (docs/api.md). Clients match on these; never rename one.</summary>
public static class UploadErrorCodes
{
    /// <summary>No session with that id for this caller (never created, finished, abandoned, expired, or another caller's): 404.</summary>
    public const string UploadNotFound = "upload_not_found";

    /// <summary>A chunk that does not start at the session's offset, or a Content-Range that does not add up: 416 with the offset.</summary>
    public const string OffsetMismatch = "upload_offset_mismatch";

    /// <summary>The content does not have the digest the finishing request names: 422, the session stays usable.</summary>
    public const string DigestMismatch = "digest_mismatch";

    /// <summary>A package names a blob by digest that the store does not hold: 422.</summary>
    public const string BlobUnknown = "blob_unknown";

    /// <summary>The caller has as many sessions open as <c>Uploads:MaxSessionsPerCaller</c> allows: 429.</summary>
    public const string TooManySessions = "too_many_upload_sessions";

    /// <summary>
    /// The session's saved digest state is of a version this build does not read (saved by a newer build before a
    /// downgrade) or damaged: 409, nothing changed; the client starts a new session. Never a wrong digest.
    /// </summary>
    public const string StateUnreadable = "upload_state_unreadable";
}
