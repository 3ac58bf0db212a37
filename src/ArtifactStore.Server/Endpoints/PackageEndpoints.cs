using ArtifactStore.Contract;
using ArtifactStore.Core.Diagnostics;
using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Security;
using ArtifactStore.Server.Hosting;
using ArtifactStore.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace ArtifactStore.Server.Endpoints;

/// <summary>HTTP ↔ domain for packages (docs/api.md, "Packages"). No decisions are made here.</summary>
public static class PackageEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var reader = new RequiredRole(Role.Reader);
        app.MapPost("/v1/packages", CreateAsync).WithMetadata(new RequiredRole(Role.Writer))
            .Produces<PackageDocument>(StatusCodes.Status201Created).Produces<PackageDocument>();
        app.MapGet("/v1/packages", ListAsync).WithMetadata(reader).Produces<PackageListDocument>();
        app.MapGet("/v1/packages/{id}", GetAsync).WithMetadata(reader).Produces<PackageDocument>();
        app.MapGet("/v1/packages/{id}/manifest", ManifestAsync).WithMetadata(reader);
        app.MapMethods("/v1/packages/{id}/files/{**path}", [HttpMethods.Get, HttpMethods.Head], FileAsync).WithMetadata(reader);
    }

    private static async Task<IResult> CreateAsync(HttpContext context, StoreRuntime store, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("ArtifactStore.Packages");
        if (PackageFromBlobs.IsJson(context.Request))
        {
            return await CreateFromStoredBlobsAsync(context, store, logger);
        }

        MultipartForm.LiftBodySizeLimit(context);

        var multipart = MultipartForm.BoundaryOf(context.Request);
        if (!multipart.IsSuccess)
        {
            return Problems.From(multipart.Error, context);
        }

        if (multipart.Value is not { } boundary)
        {
            return Problems.From(StoreError.Validation("the request must be multipart/form-data with a boundary"), context);
        }

        var actor = Actors.Of(context);
        var claimed = await IdempotencyHeader.ClaimAsync(context, store, PackageService.CreateOperation);
        if (!claimed.IsSuccess)
        {
            return Problems.From(claimed.Error, context);
        }

        var claim = claimed.Value;
        var completed = false;
        try
        {
            await using var upload = store.Packages.BeginUpload();
            var received = await MultipartForm.ReadAsync(context, boundary, upload.AddField,
                (_, fileName, mediaType, body) => upload.AddFileAsync(fileName, mediaType, body, context.RequestAborted));
            if (received is not null)
            {
                return Problems.From(received, context);
            }

            StoreMetrics.UploadedBytes.Add(upload.Files.Sum(f => f.Blob.Size));

            var created = await store.Packages.CreateAsync(upload, actor, claim, context.RequestAborted);
            if (!created.IsSuccess)
            {
                return Problems.From(created.Error, context);
            }

            completed = true;
            return Answer(context, created.Value, logger, actor, "files");
        }
        finally
        {
            await IdempotencyHeader.ReleaseUnlessCompletedAsync(store, claim, completed);
        }
    }

    /// <summary><c>POST /v1/packages</c> with a JSON body naming blobs the store holds (docs/upload.md, "Packages from stored blobs").</summary>
    private static async Task<IResult> CreateFromStoredBlobsAsync(HttpContext context, StoreRuntime store, ILogger logger)
    {
        var body = await JsonBody.ReadObjectAsync(context, PackageFromBlobs.MaxBodyBytes);
        if (!body.IsSuccess)
        {
            return Problems.From(body.Error, context);
        }

        var actor = Actors.Of(context);
        var claimed = await IdempotencyHeader.ClaimAsync(context, store, PackageService.CreateOperation);
        if (!claimed.IsSuccess)
        {
            return Problems.From(claimed.Error, context);
        }

        var claim = claimed.Value;
        var completed = false;
        try
        {
            await using var upload = store.Packages.BeginUpload();
            if (await PackageFromBlobs.ReadAsync(body.Value, upload, store.Packages, context.RequestAborted) is { } problem)
            {
                return Problems.From(problem, context);
            }

            var created = await store.Packages.CreateAsync(upload, actor, claim, context.RequestAborted);
            if (!created.IsSuccess)
            {
                return Problems.From(created.Error, context);
            }

            completed = true;
            return Answer(context, created.Value, logger, actor, "files from stored blobs");
        }
        finally
        {
            await IdempotencyHeader.ReleaseUnlessCompletedAsync(store, claim, completed);
        }
    }

    /// <summary>The answer to a created package: 201 with its location, or 200 marked as a replay of an earlier request.</summary>
    private static IResult Answer(HttpContext context, PackageCreation created, ILogger logger, string actor, string filesFrom)
    {
        var document = PackageJson.From(created.Package);
        if (created.Replayed)
        {
            context.Response.Headers["Idempotent-Replayed"] = "true";
            return Results.Json(document, JsonDefaults.Options, statusCode: StatusCodes.Status200OK);
        }

        // Debug, not Information: a line per package is a large part of a small write's CPU, and the event log
        // already records every package with its actor and time (docs/performance.md, "Server CPU per small write").
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.LogDebug("Created package {PackageId} ({Name}, {Files} {FilesFrom}) for {Actor}",
                document.Id, document.Name, document.Files.Count, filesFrom, actor);
        }

        context.Response.Headers.Location = $"/v1/packages/{document.Id}";
        return Results.Json(document, JsonDefaults.Options, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListAsync(HttpContext context, StoreRuntime store)
    {
        var query = PackageListQuery.Parse(context.Request.Query);
        if (!query.IsSuccess)
        {
            return Problems.From(query.Error, context);
        }

        var page = await store.Packages.ListAsync(query.Value, context.RequestAborted);
        return Results.Json(new PackageListDocument(
            [.. page.Items.Select(PackageJson.From)],
            page.Next is { } next ? PackageListQuery.Cursor(next) : null), JsonDefaults.Options);
    }

    private static async Task<IResult> GetAsync(HttpContext context, StoreRuntime store, string id)
    {
        var package = await FindAsync(store, id, context.RequestAborted);
        return package.IsSuccess
            ? Results.Json(PackageJson.From(package.Value), JsonDefaults.Options)
            : Problems.From(package.Error, context);
    }

    private static async Task ManifestAsync(HttpContext context, StoreRuntime store, ILoggerFactory loggers, string id)
    {
        var package = await FindAsync(store, id, context.RequestAborted);
        if (!package.IsSuccess)
        {
            await Problems.WriteAsync(context, package.Error);
            return;
        }

        var view = package.Value;
        var wantsCbor = context.Request.Headers.Accept.ToString().Contains("application/cbor", StringComparison.OrdinalIgnoreCase);
        if (wantsCbor)
        {
            await BlobResponses.SendAsync(context, store.BlobReader, view.ManifestDigest, view.ManifestSize, "application/cbor",
                loggers.CreateLogger("ArtifactStore.Blobs"));
            return;
        }

        var opened = await store.BlobReader.OpenAsync(view.ManifestDigest, view.ManifestSize, needRandomAccess: true, context.RequestAborted);
        if (!opened.IsSuccess)
        {
            await Problems.WriteAsync(context, opened.Error);
            return;
        }

        await using var blob = opened.Value;
        var bytes = new byte[blob.Length];
        await blob.Stream.ReadExactlyAsync(bytes, context.RequestAborted);
        var json = Jcs.SerializeToUtf8Bytes(CborJson.ToJson(Cbor.Decode(bytes)));
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = json.Length;
        context.Response.Headers.ETag = $"\"{view.ManifestDigest}+jcs\"";
        await context.Response.Body.WriteAsync(json, context.RequestAborted);
    }

    /// <summary>A file's bytes: the lookup usually comes from the file-lookup cache, the check from the recorded BLAKE3 (docs/upload.md, "Reading back").</summary>
    private static async Task FileAsync(HttpContext context, StoreRuntime store, ILoggerFactory loggers, string id, string path)
    {
        var packageId = RouteIds.Package(id);
        var found = packageId.IsSuccess ? await store.Packages.FindFileAsync(packageId.Value, path, context.RequestAborted) : packageId.Error;
        if (!found.IsSuccess)
        {
            await Problems.WriteAsync(context, found.Error);
            return;
        }

        var file = found.Value;
        await BlobResponses.SendAsync(context, store.BlobReader, file.Sha256, file.Size, file.MediaType,
            loggers.CreateLogger("ArtifactStore.Blobs"), headOnly: HttpMethods.IsHead(context.Request.Method), fileName: Path.GetFileName(file.Path),
            blake3Hex: file.Blake3Hex);
    }

    private static async Task<Result<PackageView>> FindAsync(StoreRuntime store, string id, CancellationToken cancellationToken)
    {
        var packageId = RouteIds.Package(id);
        return packageId.IsSuccess ? await store.Packages.GetAsync(packageId.Value, cancellationToken) : packageId.Error;
    }
}
