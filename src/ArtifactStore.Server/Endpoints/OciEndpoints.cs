using System.Globalization;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Ids;
using ArtifactStore.Core.Oci;
using ArtifactStore.Core.Security;
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
/// <c>&lt;name&gt;/blobs/uploads/[&lt;id&gt;]</c>, <c>&lt;name&gt;/tags/list</c>. Errors are written in the OCI
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
        if (parsed.Kind is OciPathKind.Base or OciPathKind.Tags or OciPathKind.Unknown || !await Check(context, parsed))
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

        var size = await store.Oci.FindBlobAsync(digest, context.RequestAborted);
        if (!size.IsSuccess)
        {
            await OciErrors.WriteAsync(context, size.Error);
            return;
        }

        context.Response.Headers[DigestHeader] = digest.ToString();
        await BlobResponses.SendAsync(context, store.BlobReader, digest, size.Value, "application/octet-stream",
            loggers.CreateLogger("ArtifactStore.Oci"), headOnly: head);
    }

    private static async Task SendTagsAsync(HttpContext context, StoreRuntime store, string repository)
    {
        var query = context.Request.Query;
        int? limit = null;
        if (query.TryGetValue("n", out var n))
        {
            if (!int.TryParse(n.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsedLimit))
            {
                await OciErrors.WriteAsync(context, StoreError.Validation("n must be a non-negative integer", "n"));
                return;
            }

            limit = parsedLimit;
        }

        var tags = await store.Oci.TagsAsync(repository, context.RequestAborted);
        if (!tags.IsSuccess)
        {
            await OciErrors.WriteAsync(context, tags.Error);
            return;
        }

        var last = query["last"].ToString();
        var page = tags.Value.Where(t => last.Length == 0 || string.CompareOrdinal(t, last) > 0).ToList();
        if (limit is { } l && page.Count > l)
        {
            page = page.Take(l).ToList();
            if (page.Count > 0)
            {
                context.Response.Headers.Link = $"</v2/{repository}/tags/list?n={l}&last={Uri.EscapeDataString(page[^1])}>; rel=\"next\"";
            }
        }

        await context.Response.WriteAsJsonAsync(new Dictionary<string, object?> { ["name"] = repository, ["tags"] = page }, JsonDefaults.Options, context.RequestAborted);
    }

    /// <summary>
    /// <c>POST …/blobs/uploads/</c>: a mount (<c>?mount=&amp;from=</c>) of a blob the store holds is immediate, as
    /// blobs are shared by all repositories; <c>?digest=</c> with a body is a monolithic upload; otherwise a session.
    /// </summary>
    private static async Task BeginUploadAsync(HttpContext context, StoreRuntime store, string repository)
    {
        var query = context.Request.Query;
        if (query.TryGetValue("mount", out var mount) && ParseDigest(mount.ToString(), out var mounted)
            && (await store.Oci.FindBlobAsync(mounted, context.RequestAborted)).IsSuccess)
        {
            BlobCreated(context, repository, mounted);
            return;
        }

        var upload = store.OciUploads.Begin(repository, Actors.Of(context), store.Time);
        if (query.TryGetValue("digest", out var digestText))
        {
            await FinishAsync(context, store, upload, digestText.ToString());
            return;
        }

        UploadHeaders(context, repository, upload);
        context.Response.StatusCode = StatusCodes.Status202Accepted;
    }

    private static async Task ContinueUploadAsync(HttpContext context, StoreRuntime store, OciPath parsed)
    {
        var upload = await FindUploadAsync(context, store, parsed);
        if (upload is null)
        {
            return;
        }

        if (HttpMethods.IsDelete(context.Request.Method))
        {
            await store.OciUploads.CancelAsync(upload);
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        if (HttpMethods.IsPatch(context.Request.Method))
        {
            if (!await ReceiveAsync(context, store, upload))
            {
                return;
            }

            UploadHeaders(context, parsed.Repository, upload);
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            return;
        }

        await FinishAsync(context, store, upload, context.Request.Query["digest"].ToString());
    }

    /// <summary>The closing <c>PUT</c> (or a monolithic <c>POST</c>): takes a body if one came, then checks the digest and stores the blob.</summary>
    private static async Task FinishAsync(HttpContext context, StoreRuntime store, OciUpload upload, string digestText)
    {
        if (!ParseDigest(digestText, out var digest))
        {
            await OciErrors.WriteAsync(context, new StoreError(OciErrorCodes.DigestInvalid, "the upload is finished with ?digest=sha256:<64 lowercase hex>"));
            return;
        }

        if (HasBody(context.Request) && !await ReceiveAsync(context, store, upload))
        {
            return;
        }

        var finished = await store.OciUploads.FinishAsync(upload, digest, context.RequestAborted);
        if (!finished.IsSuccess)
        {
            await OciErrors.WriteAsync(context, finished.Error);
            return;
        }

        BlobCreated(context, upload.Repository, digest);
    }

    /// <summary>Receives a request body into the session; false when it was refused (and answered).</summary>
    private static async Task<bool> ReceiveAsync(HttpContext context, StoreRuntime store, OciUpload upload)
    {
        MultipartForm.LiftBodySizeLimit(context);
        long? rangeStart = null;
        var range = context.Request.Headers.ContentRange.ToString();
        if (range.Length > 0)
        {
            var dash = range.IndexOf('-', StringComparison.Ordinal);
            var first = range.Replace("bytes ", string.Empty, StringComparison.OrdinalIgnoreCase);
            first = dash < 0 ? first : first[..first.IndexOf('-', StringComparison.Ordinal)];
            if (!long.TryParse(first.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var start))
            {
                await OciErrors.WriteAsync(context, new StoreError(OciErrorCodes.BlobUploadInvalid, "Content-Range must be <start>-<end>"));
                return false;
            }

            rangeStart = start;
        }

        var received = await store.OciUploads.AppendAsync(upload, context.Request.Body, store.Options.Limits.MaxUploadBytes, rangeStart, context.RequestAborted);
        if (received.IsSuccess)
        {
            return true;
        }

        if (received.Error.Code == OciErrorCodes.BlobUploadInvalid)
        {
            UploadHeaders(context, upload.Repository, upload);
            await OciErrors.WriteAsync(context, received.Error, StatusCodes.Status416RangeNotSatisfiable);
        }
        else
        {
            await OciErrors.WriteAsync(context, received.Error);
        }

        return false;
    }

    private static async Task<OciUpload?> FindUploadAsync(HttpContext context, StoreRuntime store, OciPath parsed)
    {
        var found = CanonicalId.TryParse(parsed.Reference, out var id)
            ? store.OciUploads.Find(id, parsed.Repository, Actors.Of(context))
            : new StoreError(OciErrorCodes.BlobUploadUnknown, "the path does not name an upload");
        if (!found.IsSuccess)
        {
            await OciErrors.WriteAsync(context, found.Error);
            return null;
        }

        return found.Value;
    }

    private static void UploadHeaders(HttpContext context, string repository, OciUpload upload)
    {
        context.Response.Headers.Location = $"/v2/{repository}/blobs/uploads/{upload.Id}";
        context.Response.Headers["Docker-Upload-UUID"] = upload.Id.ToString();
        context.Response.Headers.Range = $"0-{Math.Max(upload.Offset - 1, 0)}";
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
