using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Ids;
using ArtifactStore.Core.Security;
using ArtifactStore.Core.Time;
using ArtifactStore.Core.Uploads;
using ArtifactStore.Server.Hosting;
using ArtifactStore.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ArtifactStore.Server.Endpoints;

/// <summary>
/// Resumable upload sessions at <c>/v1/uploads</c> (docs/upload.md "Upload sessions", docs/api.md): create, append
/// chunks at the session's offset, read the offset, finish with the content's digest, abandon. HTTP ↔
/// <see cref="UploadService"/> only; a session is the caller's own, so every call needs the writer role.
/// </summary>
public static class UploadEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var writer = new RequiredRole(Role.Writer);
        app.MapPost("/v1/uploads", CreateAsync).WithMetadata(writer);
        app.MapMethods("/v1/uploads/{id}", [HttpMethods.Get, HttpMethods.Head], GetAsync).WithMetadata(writer);
        app.MapPatch("/v1/uploads/{id}", AppendAsync).WithMetadata(writer);
        app.MapPut("/v1/uploads/{id}", FinishAsync).WithMetadata(writer);
        app.MapDelete("/v1/uploads/{id}", AbandonAsync).WithMetadata(writer);
    }

    private static async Task<IResult> CreateAsync(HttpContext context, StoreRuntime store)
    {
        if (store.Uploads is not { } uploads)
        {
            return Unsupported(context);
        }

        var created = await uploads.CreateAsync(Actors.Of(context), context.RequestAborted);
        if (!created.IsSuccess)
        {
            return Problems.From(created.Error, context);
        }

        SetOffsetHeaders(context, created.Value);
        return Results.Json(Document(created.Value), JsonDefaults.Options, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> GetAsync(HttpContext context, StoreRuntime store, string id)
    {
        var session = await FindAsync(context, store, id);
        if (!session.IsSuccess)
        {
            return Problems.From(session.Error, context);
        }

        SetOffsetHeaders(context, session.Value);
        return HttpMethods.IsHead(context.Request.Method) ? Results.Ok() : Results.Json(Document(session.Value), JsonDefaults.Options);
    }

    private static async Task<IResult> AppendAsync(HttpContext context, StoreRuntime store, string id)
    {
        var session = await FindAsync(context, store, id);
        if (!session.IsSuccess)
        {
            return Problems.From(session.Error, context);
        }

        var start = StartOfChunk(context, session.Value, required: true);
        if (!start.IsSuccess)
        {
            return OffsetProblem(context, start.Error, session.Value);
        }

        MultipartForm.LiftBodySizeLimit(context);
        // The chunk is raw bytes, not JSON or a form: it streams straight into the session.
        var appended = await store.Uploads!.AppendAsync(session.Value.Id, Actors.Of(context), start.Value, context.Request.Body, context.RequestAborted);
        if (!appended.IsSuccess)
        {
            return OffsetProblem(context, appended.Error, session.Value);
        }

        SetOffsetHeaders(context, appended.Value);
        return Results.Json(Document(appended.Value), JsonDefaults.Options, statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> FinishAsync(HttpContext context, StoreRuntime store, string id)
    {
        var session = await FindAsync(context, store, id);
        if (!session.IsSuccess)
        {
            return Problems.From(session.Error, context);
        }

        var digestText = context.Request.Query["digest"].ToString();
        if (!digestText.StartsWith(BlobDigest.Prefix, StringComparison.Ordinal) || !BlobDigest.TryParse(digestText, out var digest))
        {
            return Problems.From(StoreError.Validation("finish an upload with ?digest=sha256:<64 lowercase hex>, the SHA-256 of all its bytes", "digest"), context);
        }

        var uploads = store.Uploads!;
        var actor = Actors.Of(context);
        var current = session.Value;
        // A body on the finishing request is the last chunk, as in the OCI distribution spec.
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            var start = StartOfChunk(context, current, required: false);
            if (!start.IsSuccess)
            {
                return OffsetProblem(context, start.Error, current);
            }

            MultipartForm.LiftBodySizeLimit(context);
            var appended = await uploads.AppendAsync(current.Id, actor, start.Value, context.Request.Body, context.RequestAborted);
            if (!appended.IsSuccess)
            {
                return OffsetProblem(context, appended.Error, current);
            }

            current = appended.Value;
        }

        var finished = await uploads.FinishAsync(current.Id, actor, digest.Value, context.RequestAborted);
        if (!finished.IsSuccess)
        {
            SetOffsetHeaders(context, current);
            return Problems.From(finished.Error, context);
        }

        var blob = finished.Value;
        context.Response.Headers["Docker-Content-Digest"] = blob.Digest.ToString();
        return Results.Json(new { digest = blob.Digest.ToString(), blake3 = "blake3:" + blob.Blake3Hex, size = blob.Size },
            JsonDefaults.Options, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> AbandonAsync(HttpContext context, StoreRuntime store, string id)
    {
        var parsed = RouteIds.Upload(id);
        if (!parsed.IsSuccess)
        {
            return Problems.From(parsed.Error, context);
        }

        if (store.Uploads is not { } uploads)
        {
            return Unsupported(context);
        }

        var abandoned = await uploads.AbandonAsync(parsed.Value, Actors.Of(context), context.RequestAborted);
        return abandoned.IsSuccess ? Results.NoContent() : Problems.From(abandoned.Error, context);
    }

    private static async Task<Result<UploadSession>> FindAsync(HttpContext context, StoreRuntime store, string id)
    {
        var parsed = RouteIds.Upload(id);
        if (!parsed.IsSuccess)
        {
            return parsed.Error;
        }

        if (store.Uploads is not { } uploads)
        {
            return UnsupportedError;
        }

        return await uploads.GetAsync(parsed.Value, Actors.Of(context), context.RequestAborted);
    }

    /// <summary>
    /// Where the chunk says it starts: its Content-Range, or the session's offset when there is none and that
    /// is allowed (the first chunk of a session, or the last one on the finishing request). A Content-Range whose
    /// length disagrees with Content-Length cannot be trusted and is refused.
    /// </summary>
    private static Result<long> StartOfChunk(HttpContext context, UploadSession session, bool required)
    {
        var range = ContentRange.Read(context.Request.Headers.ContentRange.ToString());
        if (!range.IsSuccess)
        {
            return range.Error;
        }

        if (range.Value is not { } given)
        {
            return required && session.Offset > 0
                ? new StoreError(UploadErrorCodes.OffsetMismatch,
                    $"Content-Range is required after the first chunk: send 'Content-Range: bytes {session.Offset}-END/*'")
                : session.Offset;
        }

        if (context.Request.ContentLength is { } length && length != given.Length)
        {
            return StoreError.Validation($"Content-Range names {given.Length} bytes but Content-Length is {length}", "Content-Range");
        }

        return given.Start;
    }

    private static IResult OffsetProblem(HttpContext context, StoreError error, UploadSession session)
    {
        var offset = error.Details?.TryGetValue("offset", out var value) == true && value is long known ? known : session.Offset;
        SetOffsetHeaders(context, session with { Offset = offset });
        var detailed = error.Details?.ContainsKey("offset") == true || error.Code != UploadErrorCodes.OffsetMismatch
            ? error
            : error with { Details = new Dictionary<string, object?> { ["offset"] = offset } };
        return Problems.From(detailed, context);
    }

    /// <summary>
    /// Where the session stands, in the headers OCI clients read (<c>Location</c>, <c>Range: 0-LAST</c>) and
    /// the tus-style <c>Upload-Offset</c> that curl users can read at a glance.
    /// </summary>
    private static void SetOffsetHeaders(HttpContext context, UploadSession session)
    {
        var headers = context.Response.Headers;
        headers.Location = LocationOf(session);
        headers["Upload-Offset"] = session.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture);
        headers["Upload-Expires"] = Rfc3339.ToText(session.ExpiresAt);
        if (session.Offset > 0)
        {
            headers.Range = $"0-{session.Offset - 1}";
        }
    }

    private static string LocationOf(UploadSession session) => $"/v1/uploads/{CanonicalId.ToText(session.Id)}";

    private static object Document(UploadSession session) => new
    {
        id = CanonicalId.ToText(session.Id),
        location = LocationOf(session),
        offset = session.Offset,
        max_bytes = session.MaxBytes,
        created_at = Rfc3339.ToText(session.CreatedAt),
        expires_at = Rfc3339.ToText(session.ExpiresAt),
    };

    private static StoreError UnsupportedError { get; } =
        new(ErrorCodes.NotFound, "this store's backend keeps no upload sessions; upload with POST /v1/packages as multipart/form-data");

    private static IResult Unsupported(HttpContext context) => Problems.From(UnsupportedError, context);
}
