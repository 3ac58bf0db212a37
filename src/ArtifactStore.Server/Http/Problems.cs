using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Uploads;
using Microsoft.AspNetCore.Http;

namespace ArtifactStore.Server.Http;

/// <summary>
/// The one place where domain error codes become HTTP: status, and an RFC 9457 problem document
/// carrying the stable <c>code</c> and the request id.
/// </summary>
public static class Problems
{
    public static int StatusFor(string code) => code switch
    {
        ErrorCodes.ValidationFailed => StatusCodes.Status422UnprocessableEntity,
        ErrorCodes.RetentionClassUnknown => StatusCodes.Status422UnprocessableEntity,
        ErrorCodes.IdempotencyKeyReused => StatusCodes.Status422UnprocessableEntity,
        ErrorCodes.JobTypeUnknown => StatusCodes.Status422UnprocessableEntity,
        ErrorCodes.JobNotFound or ErrorCodes.JobExpired => StatusCodes.Status404NotFound,
        ErrorCodes.JobFinished or ErrorCodes.JobNotFinished => StatusCodes.Status409Conflict,
        ErrorCodes.ExtensionNotLater or ErrorCodes.ReasonRequired => StatusCodes.Status422UnprocessableEntity,
        ErrorCodes.NotExpiring or ErrorCodes.HoldAlreadyReleased or ErrorCodes.TokenNameTaken => StatusCodes.Status409Conflict,
        ErrorCodes.HoldNotFound or ErrorCodes.TokenNotFound => StatusCodes.Status404NotFound,
        ErrorCodes.IdempotencyRequestInProgress or ErrorCodes.AlreadyRunning => StatusCodes.Status409Conflict,
        ErrorCodes.PackageNotFound or ErrorCodes.PackageExpired or ErrorCodes.FileNotFound
            or ErrorCodes.BlobNotFound or ErrorCodes.NotFound => StatusCodes.Status404NotFound,
        ErrorCodes.PayloadTooLarge => StatusCodes.Status413PayloadTooLarge,
        UploadErrorCodes.UploadNotFound => StatusCodes.Status404NotFound,
        UploadErrorCodes.OffsetMismatch => StatusCodes.Status416RangeNotSatisfiable,
        UploadErrorCodes.DigestMismatch or UploadErrorCodes.BlobUnknown => StatusCodes.Status422UnprocessableEntity,
        UploadErrorCodes.TooManySessions => StatusCodes.Status429TooManyRequests,
        UploadErrorCodes.StateUnreadable => StatusCodes.Status409Conflict,
        ErrorCodes.MalformedRequest or ErrorCodes.RequestRejected => StatusCodes.Status400BadRequest,
        ErrorCodes.MethodNotAllowed => StatusCodes.Status405MethodNotAllowed,
        ErrorCodes.InsufficientStorage => StatusCodes.Status507InsufficientStorage,
        ErrorCodes.NotReady or ErrorCodes.StorageUnavailable => StatusCodes.Status503ServiceUnavailable,
        ErrorCodes.Unauthorized => StatusCodes.Status401Unauthorized,
        ErrorCodes.Forbidden => StatusCodes.Status403Forbidden,
        BlobPublisher.RetryCode => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static IResult From(StoreError error, HttpContext context) =>
        Results.Json(Document(error, context), statusCode: StatusFor(error.Code), contentType: "application/problem+json");

    /// <param name="error">What went wrong.</param>
    /// <param name="context">The request.</param>
    /// <param name="status">The status when it is not the code's own (an answer of the HTTP stack kept as it was).</param>
    public static Dictionary<string, object?> Document(StoreError error, HttpContext context, int? status = null)
    {
        status ??= StatusFor(error.Code);
        var document = new Dictionary<string, object?>
        {
            ["type"] = $"https://artifactstore.dev/problems/{error.Code}",
            ["title"] = Title(error.Code),
            ["status"] = status,
            ["detail"] = error.Message,
            ["code"] = error.Code,
            ["instance"] = context.Request.Path.Value,
            ["request_id"] = RequestIds.Of(context),
        };
        if (error.Details is not null)
        {
            foreach (var (key, value) in error.Details)
            {
                document.TryAdd(key, value);
            }
        }

        return document;
    }

    public static async Task WriteAsync(HttpContext context, StoreError error, int? status = null)
    {
        if (OciErrors.Applies(context))
        {
            // The OCI API answers in its clients' error format, not with problem documents (docs/oci.md, "Errors").
            await OciErrors.WriteAsync(context, error, status);
            return;
        }

        context.Response.StatusCode = status ?? StatusFor(error.Code);
        await context.Response.WriteAsJsonAsync(Document(error, context, status), JsonDefaults.Options, "application/problem+json");
    }

    private static string Title(string code) => code.Replace('_', ' ') switch
    {
        var text => char.ToUpperInvariant(text[0]) + text[1..],
    };
}
