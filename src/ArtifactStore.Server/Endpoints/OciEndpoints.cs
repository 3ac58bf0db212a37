using System.Globalization;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Oci;
using ArtifactStore.Core.Security;
using ArtifactStore.Core.Uploads;
using ArtifactStore.Server.Hosting;
using ArtifactStore.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace ArtifactStore.Server.Endpoints;

/// <summary>
/// HTTP ↔ <see cref="OciRegistry"/>: the OCI distribution API at <c>/v2/</c> (docs/oci.md). Repository names contain
/// '/', so one route per role takes the rest of the path and <see cref="OciPath"/> splits it as the specification
/// does: <c>&lt;name&gt;/manifests/&lt;reference&gt;</c>, <c>&lt;name&gt;/blobs/&lt;digest&gt;</c>,
/// <c>&lt;name&gt;/blobs/uploads/[&lt;id&gt;]</c>, <c>&lt;name&gt;/tags/list</c>, and <c>_catalog</c>. Errors are written in the OCI
/// error format (<see cref="OciErrors"/>).
/// </summary>
public static class OciEndpoints
{
    public const int MaxManifestBytes = 4 * 1024 * 1024;
    private const string ApiVersionHeader = "Docker-Distribution-API-Version";
    private const string DigestHeader = "Docker-Content-Digest";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapMethods("/v2/{**path}", [HttpMethods.Get, HttpMethods.Head], ReadAsync).WithMetadata(new RequiredRole(Role.Reader));
        app.MapMethods("/v2/{**path}", [HttpMethods.Post, HttpMethods.Put, HttpMethods.Patch, HttpMethods.Delete], WriteAsync).WithMetadata(new RequiredRole(Role.Writer));
    }

    private static async Task ReadAsync(HttpContext context, StoreRuntime store, ILoggerFactory loggers, string? path)
    {
        context.Response.Headers[ApiVersionHeader] = "registry/2.0";
        var head = HttpMethods.IsHead(context.Request.Method);
        var parsed = OciPath.Parse(path ?? string.Empty);
        switch (parsed.Kind)
        {
            case OciPathKind.Base:
                context.Response.ContentType = "application/json";
                if (!head)
                {
                    await context.Response.WriteAsync("{}", context.RequestAborted);
                }

                return;
            case OciPathKind.Manifest when await Check(context, parsed):
                await SendManifestAsync(context, store, parsed, head);
                return;
            case OciPathKind.Blob when await Check(context, parsed):
                await SendBlobAsync(context, store, loggers, parsed, head);
                return;
            case OciPathKind.Upload when await Check(context, parsed):
                var upload = await FindUploadAsync(context, store, parsed);
                if (upload is not null)
                {
                    UploadHeaders(context, parsed.Repository, upload);
                    context.Response.StatusCode = StatusCodes.Status204NoContent;
                }

                return;
            case OciPathKind.Tags when await Check(context, parsed):
                await SendTagsAsync(context, store, parsed.Repository);
                return;
            case OciPathKind.Catalog:
                await SendCatalogAsync(context, store);
                return;
            case OciPathKind.Manifest or OciPathKind.Blob or OciPathKind.Upload or OciPathKind.Tags:
                return;
            default:
                await OciErrors.WriteAsync(context, NotFound(context));
                return;
        }
    }

    private static async Task WriteAsync(HttpContext context, StoreRuntime store, string? path)
    {
        context.Response.Headers[ApiVersionHeader] = "registry/2.0";
        var parsed = OciPath.Parse(path ?? string.Empty);
        if (parsed.Kind is OciPathKind.Base or OciPathKind.Tags or OciPathKind.Catalog or OciPathKind.Unknown || !await Check(context, parsed))
        {
            if (!context.Response.HasStarted)
            {
                await OciErrors.WriteAsync(context, parsed.Kind == OciPathKind.Unknown ? NotFound(context) : Unsupported(context));
            }

            return;
        }

        var method = context.Request.Method;
        switch (parsed.Kind)
        {
            case OciPathKind.Manifest when HttpMethods.IsPut(method):
                await PushManifestAsync(context, store, parsed);
                return;
            case OciPathKind.Uploads when HttpMethods.IsPost(method):
                await BeginUploadAsync(context, store, parsed.Repository);
                return;
            case OciPathKind.Upload when HttpMethods.IsPatch(method) || HttpMethods.IsPut(method) || HttpMethods.IsDelete(method):
                await ContinueUploadAsync(context, store, parsed);
                return;
            default:
                await OciErrors.WriteAsync(context, Unsupported(context));
                return;
        }
    }

    private static async Task SendManifestAsync(HttpContext context, StoreRuntime store, OciPath parsed, bool head)
    {
        var resolved = await store.Oci.ResolveAsync(parsed.Repository, parsed.Reference, context.RequestAborted);
        if (!resolved.IsSuccess)
        {
            await OciErrors.WriteAsync(context, resolved.Error);
            return;
        }

        var manifest = resolved.Value;
        var response = context.Response;
        response.Headers[DigestHeader] = manifest.Digest.ToString();
        response.Headers.ETag = $"\"{manifest.Digest}\"";
        response.ContentType = manifest.MediaType;
        response.ContentLength = manifest.Size;
        if (head)
        {
            return;
        }

        var bytes = await store.Oci.ReadAsync(manifest, context.RequestAborted);
        if (!bytes.IsSuccess)
        {
            response.ContentLength = null;
            await OciErrors.WriteAsync(context, bytes.Error);
            return;
        }

        await response.Body.WriteAsync(bytes.Value, context.RequestAborted);
    }

    private static async Task PushManifestAsync(HttpContext context, StoreRuntime store, OciPath parsed)
    {
        var body = await JsonBody.ReadAtMostAsync(context, MaxManifestBytes);
        if (!body.IsSuccess)
        {
            await OciErrors.WriteAsync(context, body.Error.Code == ErrorCodes.PayloadTooLarge
                ? new StoreError(OciErrorCodes.ManifestInvalid, $"a manifest may be at most {MaxManifestBytes} bytes", body.Error.Details) with { }
                : body.Error, body.Error.Code == ErrorCodes.PayloadTooLarge ? StatusCodes.Status413PayloadTooLarge : null);
            return;
        }

        var manifest = OciManifest.Parse(body.Value, context.Request.ContentType);
        if (!manifest.IsSuccess)
        {
            await OciErrors.WriteAsync(context, manifest.Error);
            return;
        }

        var pushed = await store.Oci.PushAsync(parsed.Repository, parsed.Reference, manifest.Value, Actors.Of(context), context.RequestAborted);
        if (!pushed.IsSuccess)
        {
            await OciErrors.WriteAsync(context, pushed.Error);
            return;
        }

        var digest = pushed.Value.Digest.ToString();
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.Location = $"/v2/{parsed.Repository}/manifests/{digest}";
        context.Response.Headers[DigestHeader] = digest;
        context.Response.Headers["X-Package-Id"] = pushed.Value.Package.Id.ToString();
    }

    private static async Task SendBlobAsync(HttpContext context, StoreRuntime store, ILoggerFactory loggers, OciPath parsed, bool head)
    {
        if (!ParseDigest(parsed.Reference, out var digest))
        {
            await OciErrors.WriteAsync(context, new StoreError(OciErrorCodes.DigestInvalid, "a blob digest is sha256:<64 lowercase hex>"));
            return;
        }

        var found = await store.Oci.FindBlobToReadAsync(digest, context.RequestAborted);
        if (!found.IsSuccess)
        {
            await OciErrors.WriteAsync(context, found.Error);
            return;
        }

        context.Response.Headers[DigestHeader] = digest.ToString();
        await BlobResponses.SendAsync(context, store.BlobReader, digest, found.Value.Size, "application/octet-stream",
            loggers.CreateLogger("ArtifactStore.Oci"), headOnly: head, blake3Hex: found.Value.Blake3Hex);
    }

    private static async Task SendTagsAsync(HttpContext context, StoreRuntime store, string repository)
    {
        if (await ReadPagingAsync(context) is not { } paging)
        {
            return;
        }

        var tags = await store.Oci.TagsAsync(repository, paging.Last, paging.Limit, context.RequestAborted);
        if (!tags.IsSuccess)
        {
            await OciErrors.WriteAsync(context, tags.Error);
            return;
        }

        NextLink(context, $"/v2/{repository}/tags/list", paging.Limit, tags.Value);
        await context.Response.WriteAsJsonAsync(new Dictionary<string, object?> { ["name"] = repository, ["tags"] = tags.Value.Items }, JsonDefaults.Options, context.RequestAborted);
    }

    /// <summary><c>GET /v2/_catalog</c>: the repositories that have a live manifest, in byte order, paged as tag lists are.</summary>
    private static async Task SendCatalogAsync(HttpContext context, StoreRuntime store)
    {
        if (await ReadPagingAsync(context) is not { } paging)
        {
            return;
        }

        var repositories = await store.Oci.CatalogAsync(paging.Last, paging.Limit, context.RequestAborted);
        NextLink(context, "/v2/_catalog", paging.Limit, repositories);
        await context.Response.WriteAsJsonAsync(new Dictionary<string, object?> { ["repositories"] = repositories.Items }, JsonDefaults.Options, context.RequestAborted);
    }

    /// <summary>
    /// The specification's paging of lists: <c>n</c> (how many at most; all when absent) and <c>last</c> (answer what
    /// sorts after it). Null when <c>n</c> is not a non-negative integer (answered 400).
    /// </summary>
    private static async Task<(int? Limit, string Last)?> ReadPagingAsync(HttpContext context)
    {
        var query = context.Request.Query;
        int? limit = null;
        if (query.TryGetValue("n", out var n))
        {
            if (!int.TryParse(n.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsedLimit))
            {
                await OciErrors.WriteAsync(context, StoreError.Validation("n must be a non-negative integer", "n"));
                return null;
            }

            limit = parsedLimit;
        }

        return (limit, query["last"].ToString());
    }

    /// <summary>When more follow a page asked for with <c>n</c>: <c>Link: &lt;path?n=&amp;last=&gt;; rel="next"</c>, the last item of this page as <c>last</c>.</summary>
    private static void NextLink(HttpContext context, string path, int? limit, OciPage page)
    {
        if (limit is { } n && page.More && page.Items.Count > 0)
        {
            context.Response.Headers.Link = $"<{path}?n={n}&last={Uri.EscapeDataString(page.Items[^1])}>; rel=\"next\"";
        }
    }

    /// <summary>
    /// <c>POST …/blobs/uploads/</c>: a mount (<c>?mount=&amp;from=</c>) of a blob a live package holds is immediate, as
    /// blobs are shared by all repositories (one GC may take meanwhile falls back to a session,
    /// <see cref="OciRegistry.CanMountAsync"/>); otherwise an upload session of the store's session store
    /// (docs/upload.md, "Upload sessions"), finished at once when <c>?digest=</c> comes with the body (monolithic).
    /// </summary>
    private static async Task BeginUploadAsync(HttpContext context, StoreRuntime store, string repository)
    {
        var query = context.Request.Query;
        if (query.TryGetValue("mount", out var mount) && ParseDigest(mount.ToString(), out var mounted)
            && await store.Oci.CanMountAsync(mounted, context.RequestAborted))
        {
            BlobCreated(context, repository, mounted);
            return;
        }

        if (store.Uploads is not { } uploads)
        {
            await OciErrors.WriteAsync(context, new StoreError(OciErrorCodes.Unsupported, "this store's backend keeps no upload sessions"));
            return;
        }

        var created = await uploads.CreateAsync(Actors.Of(context), context.RequestAborted);
        if (!created.IsSuccess)
        {
            await OciErrors.WriteAsync(context, created.Error);
            return;
        }

        if (query.TryGetValue("digest", out var digestText))
        {
            await FinishAsync(context, store, repository, created.Value, digestText.ToString());
            return;
        }

        UploadHeaders(context, repository, created.Value);
        context.Response.StatusCode = StatusCodes.Status202Accepted;
    }

    private static async Task ContinueUploadAsync(HttpContext context, StoreRuntime store, OciPath parsed)
    {
        var session = await FindUploadAsync(context, store, parsed);
        if (session is null)
        {
            return;
        }

        if (HttpMethods.IsDelete(context.Request.Method))
        {
            var abandoned = await store.Uploads!.AbandonAsync(session.Id, Actors.Of(context), context.RequestAborted);
            if (!abandoned.IsSuccess)
            {
                await OciErrors.WriteAsync(context, abandoned.Error);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        if (HttpMethods.IsPatch(context.Request.Method))
        {
            var appended = await ReceiveAsync(context, store, parsed.Repository, session);
            if (appended is null)
            {
                return;
            }

            UploadHeaders(context, parsed.Repository, appended);
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            return;
        }

        await FinishAsync(context, store, parsed.Repository, session, context.Request.Query["digest"].ToString());
    }

    /// <summary>
    /// The closing <c>PUT</c> (or a monolithic <c>POST</c>): appends a body if one came, then the session store
    /// checks the digest and puts the blob at its address (<c>DIGEST_INVALID</c> otherwise; the session stays).
    /// </summary>
    private static async Task FinishAsync(HttpContext context, StoreRuntime store, string repository, UploadSession session, string digestText)
    {
        if (!ParseDigest(digestText, out var digest))
        {
            await OciErrors.WriteAsync(context, new StoreError(OciErrorCodes.DigestInvalid, "the upload is finished with ?digest=sha256:<64 lowercase hex>"));
            return;
        }

        if (HasBody(context.Request))
        {
            var appended = await ReceiveAsync(context, store, repository, session);
            if (appended is null)
            {
                return;
            }

            session = appended;
        }

        var finished = await store.Uploads!.FinishAsync(session.Id, Actors.Of(context), digest, context.RequestAborted);
        if (!finished.IsSuccess)
        {
            UploadHeaders(context, repository, session);
            await OciErrors.WriteAsync(context, finished.Error);
            return;
        }

        BlobCreated(context, repository, digest);
    }

    /// <summary>
    /// Appends the request body at the <c>Content-Range</c> start, or at the session's offset when there is none
    /// (a streamed <c>PATCH</c>, as containers/image sends). Null when it was refused (and answered): a chunk
    /// that does not start at the offset gets 416 with the offset in <c>Range</c>.
    /// </summary>
    private static async Task<UploadSession?> ReceiveAsync(HttpContext context, StoreRuntime store, string repository, UploadSession session)
    {
        var range = ContentRange.Read(context.Request.Headers.ContentRange.ToString());
        if (!range.IsSuccess)
        {
            await OciErrors.WriteAsync(context, new StoreError(OciErrorCodes.BlobUploadInvalid, range.Error.Message));
            return null;
        }

        MultipartForm.LiftBodySizeLimit(context);
        // The chunk is raw bytes, not JSON or a form: it streams straight into the session.
        var start = range.Value?.Start ?? session.Offset;
        var appended = await store.Uploads!.AppendAsync(session.Id, Actors.Of(context), start, context.Request.Body, context.RequestAborted);
        if (appended.IsSuccess)
        {
            return appended.Value;
        }

        if (appended.Error.Code == UploadErrorCodes.OffsetMismatch)
        {
            var offset = appended.Error.Details?.TryGetValue("offset", out var value) == true && value is long known ? known : session.Offset;
            UploadHeaders(context, repository, session with { Offset = offset });
            await OciErrors.WriteAsync(context, appended.Error, StatusCodes.Status416RangeNotSatisfiable);
            return null;
        }

        await OciErrors.WriteAsync(context, appended.Error);
        return null;
    }

    private static async Task<UploadSession?> FindUploadAsync(HttpContext context, StoreRuntime store, OciPath parsed)
    {
        var id = RouteIds.Upload(parsed.Reference);
        var found = !id.IsSuccess ? id.Error
            : store.Uploads is not { } uploads ? new StoreError(OciErrorCodes.Unsupported, "this store's backend keeps no upload sessions")
            : await uploads.GetAsync(id.Value, Actors.Of(context), context.RequestAborted);
        if (!found.IsSuccess)
        {
            await OciErrors.WriteAsync(context, found.Error);
            return null;
        }

        return found.Value;
    }

    private static void UploadHeaders(HttpContext context, string repository, UploadSession session)
    {
        context.Response.Headers.Location = $"/v2/{repository}/blobs/uploads/{session.Id}";
        context.Response.Headers["Docker-Upload-UUID"] = session.Id.ToString();
        context.Response.Headers.Range = $"0-{Math.Max(session.Offset - 1, 0)}";
        context.Response.ContentLength = 0;
    }

    private static void BlobCreated(HttpContext context, string repository, BlobDigest digest)
    {
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.Location = $"/v2/{repository}/blobs/{digest}";
        context.Response.Headers[DigestHeader] = digest.ToString();
        context.Response.ContentLength = 0;
    }

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    private static bool ParseDigest(string text, out BlobDigest digest)
    {
        digest = default;
        if (!text.StartsWith(BlobDigest.Prefix, StringComparison.Ordinal) || !BlobDigest.TryParse(text, out var parsed))
        {
            return false;
        }

        digest = parsed.Value;
        return true;
    }

    /// <summary>Answers <c>NAME_INVALID</c> for a repository name outside the specification's rule; true when it is acceptable.</summary>
    private static async Task<bool> Check(HttpContext context, OciPath parsed)
    {
        if (OciRegistry.CheckRepository(parsed.Repository) is not { } problem)
        {
            return true;
        }

        await OciErrors.WriteAsync(context, problem);
        return false;
    }

    private static StoreError NotFound(HttpContext context) =>
        new(ErrorCodes.NotFound, $"no endpoint of the OCI API answers {context.Request.Method} {context.Request.Path}");

    private static StoreError Unsupported(HttpContext context) =>
        new(OciErrorCodes.Unsupported, $"{context.Request.Method} {context.Request.Path} is not supported (deleting goes through retention: docs/oci.md)");
}
