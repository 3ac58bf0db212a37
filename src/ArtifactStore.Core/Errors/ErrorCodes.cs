namespace ArtifactStore.Core.Errors;

/// <summary>The stable error codes of the API. Clients match on these; never rename one.</summary>
public static class ErrorCodes
{
    public const string ValidationFailed = "validation_failed";
    public const string PackageNotFound = "package_not_found";
    public const string PackageExpired = "package_expired";
    public const string FileNotFound = "file_not_found";
    public const string BlobNotFound = "blob_not_found";
    public const string BlobCorrupt = "blob_corrupt";
    public const string RetentionClassUnknown = "retention_class_unknown";
    public const string ExtensionNotLater = "extension_not_later";
    public const string ReasonRequired = "reason_required";
    public const string NotExpiring = "not_expiring";
    public const string HoldNotFound = "hold_not_found";
    public const string HoldAlreadyReleased = "hold_already_released";
    public const string TokenNotFound = "token_not_found";
    public const string TokenNameTaken = "token_name_taken";
    public const string IdempotencyKeyReused = "idempotency_key_reused";
    public const string IdempotencyRequestInProgress = "idempotency_request_in_progress";
    public const string PayloadTooLarge = "payload_too_large";
    public const string InsufficientStorage = "insufficient_storage";

    /// <summary>The storage under the store (an object store, a database server) did not answer or failed; nothing was recorded (503).</summary>
    public const string StorageUnavailable = "storage_unavailable";
    public const string NotReady = "not_ready";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string JobNotFound = "job_not_found";
    public const string JobExpired = "job_expired";
    public const string JobNotFinished = "job_not_finished";
    public const string JobFinished = "job_finished";
    public const string JobTypeUnknown = "job_type_unknown";
    public const string AlreadyRunning = "already_running";
    public const string NotFound = "not_found";

    /// <summary>The request could not be read: broken framing, a body that is not UTF-8 or not JSON, a bad multipart body (400).</summary>
    public const string MalformedRequest = "malformed_request";

    /// <summary>The path exists but not for this method (405, with <c>Allow</c>).</summary>
    public const string MethodNotAllowed = "method_not_allowed";

    /// <summary>Any other 4xx the HTTP stack answers on its own (the problem document keeps that status).</summary>
    public const string RequestRejected = "request_rejected";
    public const string Internal = "internal_error";
}
