using System.Text.Json;
using ArtifactStore.Contract;
using ArtifactStore.Core.Diagnostics;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Ids;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Security;
using ArtifactStore.Server.Hosting;
using ArtifactStore.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ArtifactStore.Server.Endpoints;

/// <summary>HTTP ↔ domain for jobs (docs/api.md, "Jobs"). No decisions are made here.</summary>
public static class JobEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var reader = new RequiredRole(Role.Reader);
        var writer = new RequiredRole(Role.Writer);
        var operatorRole = new RequiredRole(Role.Operator);
        app.MapPost("/v1/jobs", SubmitAsync).WithMetadata(writer)
            .Produces<JobDocument>(StatusCodes.Status202Accepted).Produces<JobDocument>();
        app.MapGet("/v1/jobs", ListAsync).WithMetadata(reader).Produces<JobListDocument>();
        app.MapGet("/v1/jobs/{id}", GetAsync).WithMetadata(reader).Produces<JobDocument>();
        app.MapGet("/v1/jobs/{id}/logs", LogsAsync).WithMetadata(reader).Produces<string>(contentType: "text/plain");
        app.MapPost("/v1/jobs/{id}/cancel", CancelAsync).WithMetadata(writer).Produces<JobDocument>();
        app.MapPost("/v1/jobs/{id}/pin", (HttpContext c, StoreRuntime s, string id) => PinAsync(c, s, id, pinned: true)).WithMetadata(operatorRole)
            .Produces<JobDocument>();
        app.MapPost("/v1/jobs/{id}/unpin", (HttpContext c, StoreRuntime s, string id) => PinAsync(c, s, id, pinned: false)).WithMetadata(operatorRole)
            .Produces<JobDocument>();
    }

    private static async Task<IResult> SubmitAsync(HttpContext context, StoreRuntime store)
    {
        MultipartForm.LiftBodySizeLimit(context);

        var multipart = MultipartForm.BoundaryOf(context.Request);
        if (!multipart.IsSuccess)
        {
            return Problems.From(multipart.Error, context);
        }

        var boundary = multipart.Value;
        var isJson = context.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) == true;
        if (boundary is null && !isJson)
        {
            return Problems.From(StoreError.Validation("send multipart/form-data (type, options, file part 'input') or JSON {type, options, input_package_id}"), context);
        }

        var actor = Actors.Of(context);
        var claimed = await IdempotencyHeader.ClaimAsync(context, store, JobService.SubmitOperation);
        if (!claimed.IsSuccess)
        {
            return Problems.From(claimed.Error, context);
        }

        var claim = claimed.Value;
        var completed = false;
        try
        {
            await using var upload = store.Packages.BeginUpload();
            var submission = boundary is not null
                ? await ReadMultipartAsync(context, boundary, upload)
                : await ReadJsonAsync(context);
            if (!submission.IsSuccess)
            {
                return Problems.From(submission.Error, context);
            }

            var created = await store.Jobs.SubmitAsync(submission.Value, actor, claim, context.RequestAborted);
            if (!created.IsSuccess)
            {
                return Problems.From(created.Error, context);
            }

            completed = true;
            context.Response.Headers.Location = $"/v1/jobs/{created.Value.Job.Id}";
            if (created.Value.Replayed)
            {
                context.Response.Headers["Idempotent-Replayed"] = "true";
                return Results.Json(JobJson.From(created.Value.Job), JsonDefaults.Options, statusCode: StatusCodes.Status200OK);
            }

            return Results.Json(JobJson.From(created.Value.Job), JsonDefaults.Options, statusCode: StatusCodes.Status202Accepted);
        }
        finally
        {
            await IdempotencyHeader.ReleaseUnlessCompletedAsync(store, claim, completed);
        }
    }

    private static async Task<Result<JobSubmission>> ReadMultipartAsync(HttpContext context, string boundary, PackageUpload upload)
    {
        string? type = null;
        string? options = null;
        var problem = await MultipartForm.ReadAsync(context, boundary,
            (name, value) =>
            {
                switch (name)
                {
                    case "type" when type is null:
                        type = value;
                        return null;
                    case "options" when options is null:
                        options = value;
                        return null;
                    case "type" or "options":
                        return StoreError.Validation($"field '{name}' is given more than once", name);
                    default:
                        return StoreError.Validation($"unknown form field '{name}' (expected type, options and the file part 'input')", name);
                }
            },
            (name, fileName, mediaType, body) => name == "input"
                ? upload.Files.Count == 0
                    ? upload.AddFileAsync(fileName, mediaType, body, context.RequestAborted)
                    : Task.FromResult<StoreError?>(StoreError.Validation("a job takes exactly one file part 'input'", "input"))
                : Task.FromResult<StoreError?>(StoreError.Validation($"unexpected file part '{name}'; the input file part is named 'input'", name)));
        if (problem is not null)
        {
            return problem;
        }

        StoreMetrics.UploadedBytes.Add(upload.Files.Sum(f => f.Blob.Size));
        return upload.Files.Count == 0
            ? StoreError.Validation("the file part 'input' is missing (or send JSON with input_package_id)", "input")
            : new JobSubmission(type, options, upload, null);
    }

    private static async Task<Result<JobSubmission>> ReadJsonAsync(HttpContext context)
    {
        var body = await JsonBody.ReadObjectAsync(context);
        if (!body.IsSuccess)
        {
            return body.Error;
        }

        var json = body.Value;
        var type = json.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        string? options = null;
        if (json.TryGetProperty("options", out var o) && o.ValueKind != JsonValueKind.Null)
        {
            options = o.GetRawText();
        }

        if (!json.TryGetProperty("input_package_id", out var input) || input.ValueKind != JsonValueKind.String)
        {
            return StoreError.Validation("input_package_id is required (a package id) when the body is JSON", "input_package_id");
        }

        var inputId = CanonicalId.Read(input.GetString(), "input_package_id");
        return inputId.IsSuccess ? new JobSubmission(type, options, null, inputId.Value) : inputId.Error;
    }

    private static async Task<IResult> ListAsync(HttpContext context, StoreRuntime store)
    {
        var query = context.Request.Query;
        JobState? state = null;
        if (query["state"].ToString() is { Length: > 0 } stateText)
        {
            if (!JobStates.TryParse(stateText, out var parsed))
            {
                return Problems.From(StoreError.Validation("state must be one of queued, running, succeeded, failed, canceled, expired", "state"), context);
            }

            state = parsed;
        }

        var paging = PackageListQuery.ReadPaging(query);
        if (!paging.IsSuccess)
        {
            return Problems.From(paging.Error, context);
        }

        var type = query["type"].ToString();
        var page = await store.Jobs.ListAsync(new JobQuery(state, type.Length > 0 ? type : null, paging.Value.Before, paging.Value.Limit), context.RequestAborted);
        return Results.Json(new JobListDocument(
            [.. page.Items.Select(JobJson.From)],
            page.Next is { } next ? PackageListQuery.Cursor(next) : null), JsonDefaults.Options);
    }

    private static async Task<IResult> GetAsync(HttpContext context, StoreRuntime store, string id)
    {
        var job = await FindAsync(store, id, context.RequestAborted);
        return job.IsSuccess ? Results.Json(JobJson.From(job.Value), JsonDefaults.Options) : Problems.From(job.Error, context);
    }

    private static async Task<IResult> CancelAsync(HttpContext context, StoreRuntime store, string id)
    {
        var jobId = RouteIds.Job(id);
        if (!jobId.IsSuccess)
        {
            return Problems.From(jobId.Error, context);
        }

        var job = await store.Jobs.CancelAsync(jobId.Value, Actors.Of(context), context.RequestAborted);
        return job.IsSuccess ? Results.Json(JobJson.From(job.Value), JsonDefaults.Options) : Problems.From(job.Error, context);
    }

    private static async Task<IResult> PinAsync(HttpContext context, StoreRuntime store, string id, bool pinned)
    {
        var jobId = RouteIds.Job(id);
        if (!jobId.IsSuccess)
        {
            return Problems.From(jobId.Error, context);
        }

        var body = await JsonBody.ReadObjectAsync(context);
        if (!body.IsSuccess)
        {
            return Problems.From(body.Error, context);
        }

        var reason = body.Value.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        var job = await store.Jobs.SetPinnedAsync(jobId.Value, pinned, Actors.Of(context), reason, context.RequestAborted);
        return job.IsSuccess ? Results.Json(JobJson.From(job.Value), JsonDefaults.Options) : Problems.From(job.Error, context);
    }

    /// <summary>
    /// The job's log as text. While the job is queued or running (and <c>follow</c> is not false) the
    /// response stays open and streams what the converter writes until the job ends; afterwards the log is
    /// read from the job's output (or log) package.
    /// </summary>
    private static async Task LogsAsync(HttpContext context, StoreRuntime store, string id)
    {
        var found = await FindAsync(store, id, context.RequestAborted);
        if (!found.IsSuccess)
        {
            await Problems.WriteAsync(context, found.Error);
            return;
        }

        var follow = !string.Equals(context.Request.Query["follow"], "false", StringComparison.OrdinalIgnoreCase);
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        var job = found.Value;
        long offset = 0;
        var aborted = context.RequestAborted;
        while (!JobStates.IsFinished(job.State))
        {
            // Read through the store's log port, so this works whichever process runs the job.
            offset += await store.JobLogs.CopyFromAsync(job.Id, offset, context.Response.Body, aborted);
            await context.Response.Body.FlushAsync(aborted);

            if (!follow)
            {
                return;
            }

            await Task.Delay(200, aborted);
            job = await store.Database.Views.GetJobAsync(job.Id, aborted) ?? job;
        }

        if (await FinishedJobLog.OpenAsync(store, job, aborted) is not { } opened)
        {
            return;
        }

        if (!opened.IsSuccess)
        {
            if (!context.Response.HasStarted)
            {
                await Problems.WriteAsync(context, opened.Error);
            }

            return;
        }

        await using var blob = opened.Value;
        if (offset < blob.Length)
        {
            blob.Stream.Position = offset;
            await blob.Stream.CopyToAsync(context.Response.Body, aborted);
        }
    }

    private static async Task<Result<JobView>> FindAsync(StoreRuntime store, string id, CancellationToken cancellationToken)
    {
        var jobId = RouteIds.Job(id);
        return jobId.IsSuccess ? await store.Jobs.GetAsync(jobId.Value, cancellationToken) : jobId.Error;
    }
}
