using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Oci;
using ArtifactStore.Core.Uploads;
using Microsoft.AspNetCore.Http;

namespace ArtifactStore.Server.Http;

/// <summary>
/// Errors on <c>/v2/</c> in the format of the OCI distribution specification,
/// <c>{"errors":[{"code","message","detail"}]}</c>, instead of problem documents (docs/oci.md, "Errors"). Every
/// error the app writes on those paths comes through here, whoever produced it (authentication, readiness, an
/// unknown method, a failure), because <see cref="Problems.WriteAsync"/> hands them over.
/// </summary>
public static class OciErrors
{
    /// <summary>Whether the request is one of the OCI API's: <c>/v2</c> or below, however its case is spelled.</summary>
    public static bool Applies(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/v2", StringComparison.OrdinalIgnoreCase);

    public static int StatusFor(string code) => code switch
    {
        OciErrorCodes.BlobUnknown or OciErrorCodes.BlobUploadUnknown or OciErrorCodes.ManifestUnknown or OciErrorCodes.NameUnknown
            => StatusCodes.Status404NotFound,
        OciErrorCodes.BlobUploadInvalid or OciErrorCodes.DigestInvalid or OciErrorCodes.ManifestBlobUnknown
            or OciErrorCodes.ManifestInvalid or OciErrorCodes.NameInvalid or OciErrorCodes.SizeInvalid
            => StatusCodes.Status400BadRequest,
        OciErrorCodes.Unsupported => StatusCodes.Status405MethodNotAllowed,
        UploadErrorCodes.DigestMismatch => StatusCodes.Status400BadRequest,
        _ => Problems.StatusFor(code),
    };

    /// <summary>The specification's code for an error: its own, or the closest for one of the store's codes.</summary>
    public static string CodeFor(string code) => code switch
    {
        _ when OciErrorCodes.IsOci(code) => code,
        ErrorCodes.Unauthorized => "UNAUTHORIZED",
        ErrorCodes.Forbidden => "DENIED",
        ErrorCodes.PayloadTooLarge => OciErrorCodes.SizeInvalid,
        ErrorCodes.MethodNotAllowed => OciErrorCodes.Unsupported,
        ErrorCodes.BlobNotFound => OciErrorCodes.BlobUnknown,
        UploadErrorCodes.UploadNotFound => OciErrorCodes.BlobUploadUnknown,
        UploadErrorCodes.OffsetMismatch => OciErrorCodes.BlobUploadInvalid,
        UploadErrorCodes.DigestMismatch => OciErrorCodes.DigestInvalid,
        UploadErrorCodes.BlobUnknown => OciErrorCodes.BlobUnknown,
        UploadErrorCodes.TooManySessions => "TOOMANYREQUESTS",
        // No code of the specification fits (not ready, a full disk, a failure): the store's own, in its style.
        _ => code.ToUpperInvariant(),
    };

    public static async Task WriteAsync(HttpContext context, StoreError error, int? status = null)
    {
        context.Response.StatusCode = status ?? StatusFor(error.Code);
        // Headers set for a success (an upload's Range and empty body) may already be there; the document is the body.
        context.Response.ContentLength = null;
        var detail = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (error.Details is not null)
        {
            foreach (var (key, value) in error.Details)
            {
                detail[key] = value;
            }
        }

        if (!OciErrorCodes.IsOci(error.Code))
        {
            detail["store_code"] = error.Code;
        }

        detail["request_id"] = RequestIds.Of(context);
        var document = new Dictionary<string, object?>
        {
            ["errors"] = new[]
            {
                new Dictionary<string, object?> { ["code"] = CodeFor(error.Code), ["message"] = error.Message, ["detail"] = detail },
            },
        };
        await context.Response.WriteAsJsonAsync(document, JsonDefaults.Options, "application/json");
    }
}
