using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Idempotency;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Core.Jobs;

/// <summary>Submitting, reading, canceling and pinning jobs (docs/api.md, "Jobs"; docs/jobs.md).</summary>
public sealed class JobService(IStoreDatabase database, PackageService packages, JobRunner runner, StoreOptions options, TimeProvider time)
{
    public const string SubmitOperation = "job.submit";
    private const int MaxOptionsBytes = 64 * 1024;
    private readonly IdempotencyGate _idempotency = new(database, options.IdempotencyWindow);

    /// <summary>
    /// Stores the input (as a package in the type's input class) and appends <c>v1.job.submitted</c> in one
    /// unit of work. With a completed claim, answers the earlier job when type, options and input are the
    /// same, and <c>idempotency_key_reused</c> otherwise.
    /// </summary>
    public async Task<Result<JobCreation>> SubmitAsync(JobSubmission submission, string actor, IdempotencyClaim? claim, CancellationToken cancellationToken)
    {
        var type = submission.Type is { Length: > 0 } name ? options.Jobs.Find(name) : null;
        if (type is null)
        {
            return submission.Type is { Length: > 0 }
                ? new StoreError(ErrorCodes.JobTypeUnknown,
                    $"job type '{submission.Type}' is not configured (known: {string.Join(", ", options.Jobs.Types.Keys.Order(StringComparer.Ordinal))})",
                    new Dictionary<string, object?> { ["field"] = "type" })
                : StoreError.Validation("type is required", "type");
        }

        var canonicalOptions = CanonicalOptions(submission.OptionsJson);
        if (!canonicalOptions.IsSuccess)
        {
            return canonicalOptions.Error;
        }

        if ((submission.Upload is null) == (submission.InputPackageId is null))
        {
            return StoreError.Validation("give the input either as one file part named 'input' or as input_package_id", "input");
        }

        var jobId = Guid.CreateVersion7(time.GetUtcNow());
        PreparedPackage? prepared = null;
        string inputIdentity;
        if (submission.Upload is { } upload)
        {
            if (upload.Files.Count != 1)
            {
                return StoreError.Validation("a job takes exactly one input file", "input");
            }

            var problem = upload.AddField("name", $"jobs/{jobId}/input")
                ?? upload.AddField("retention_class", type.InputClass)
                ?? upload.AddField("label", $"job_id={jobId}")
                ?? upload.AddField("label", $"job_type={type.Name}");
            if (problem is not null)
            {
                return problem;
            }

            var staged = await packages.PrepareAsync(upload, cancellationToken);
            if (!staged.IsSuccess)
            {
                return staged.Error;
            }

            prepared = staged.Value;
            inputIdentity = $"file:{upload.Files[0].Path}:{upload.Files[0].Blob.Digest}";
        }
        else
        {
            inputIdentity = $"package:{submission.InputPackageId}";
        }

        var fingerprint = Convert.ToHexStringLower(SHA256.HashData(Cbor.Encode(new CborArray([type.Name, canonicalOptions.Value, inputIdentity]))));
        if (claim?.Existing is { } existing)
        {
            if (prepared is not null)
            {
                await packages.DiscardAsync(prepared, cancellationToken);
            }

            if (existing.Fingerprint != fingerprint)
            {
                return new StoreError(ErrorCodes.IdempotencyKeyReused,
                    "this Idempotency-Key was already used for a job with another type, options or input");
            }

            var earlier = await GetAsync(Guid.Parse(existing.ResourceId!), cancellationToken);
            return earlier.IsSuccess ? new JobCreation(earlier.Value, Replayed: true) : earlier.Error;
        }

        var result = await packages.WriteWithPackageAsync<Guid>(prepared, async (writer, ct) =>
        {
            if (claim is not null && !await IdempotencyGate.StillOwnsAsync(writer, claim, ct))
            {
                return new StoreError(ErrorCodes.IdempotencyRequestInProgress, "the Idempotency-Key claim of this request expired before it completed");
            }

            Guid inputId;
            if (prepared is not null)
            {
                if (await packages.AppendAsync(writer, prepared, actor, ct) is { } publishError)
                {
                    return publishError;
                }

                inputId = prepared.Id;
            }
            else
            {
                var input = await CheckInputPackageAsync(writer, submission.InputPackageId!.Value, ct);
                if (!input.IsSuccess)
                {
                    return input.Error;
                }

                inputId = input.Value.Id;
            }

            await writer.AppendAsync(new NewEvent(EventTypes.JobStream(jobId), EventTypes.JobSubmitted, actor,
                new JobSubmitted(jobId, type.Name, canonicalOptions.Value, inputId, type.MaxAttempts, type.OutputClass).ToCbor()), ct);
            await KeepPackageAsync(writer, inputId, actor, "job_submitted", ct);
            if (claim is not null)
            {
                await writer.PutIdempotencyAsync(_idempotency.Completed(claim, fingerprint, jobId.ToString(), writer.Now), ct);
            }

            return jobId;
        }, cancellationToken);

        if (prepared is not null)
        {
            await packages.DiscardAsync(prepared, CancellationToken.None);
        }

        if (!result.IsSuccess)
        {
            return result.Error;
        }

        // The job and its input are durable from here on.
        runner.Wake();
        var view = await database.Views.GetJobAsync(jobId, cancellationToken)
            ?? throw new InvalidOperationException($"job {jobId} was committed but is not in the views");
        return new JobCreation(view, Replayed: false);
    }

    /// <summary>The job, or <c>job_not_found</c> / <c>job_expired</c> (with the tombstone).</summary>
    public async Task<Result<JobView>> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var view = await database.Views.GetJobAsync(id, cancellationToken);
        if (view is null)
        {
            return new StoreError(ErrorCodes.JobNotFound, $"there is no job {id}");
        }

        return view.State == JobState.Expired ? Expired(view) : view;
    }

    public Task<JobPage> ListAsync(JobQuery query, CancellationToken cancellationToken) => database.Views.ListJobsAsync(query, cancellationToken);

    /// <summary>
    /// Cancels a queued job at once; a running one is stopped (TERM, then KILL after the grace period) and
    /// this waits until it has ended. A finished job answers <c>job_finished</c>.
    /// </summary>
    /// <remarks>
    /// For a running job the request is recorded on its lease (one unit of work), the source of truth that
    /// reaches whichever process holds the lease: its heartbeat sees the mark, stops the attempt and
    /// records the outcome with the log. When the job runs in this process it is also told at once (the
    /// fast path). A running job whose lease has lapsed, or that has none, has no live holder to act on
    /// the mark: its cancel is recorded directly.
    /// </remarks>
    public async Task<Result<JobView>> CancelAsync(Guid id, string actor, CancellationToken cancellationToken)
    {
        var recorded = await database.WriteAsync<JobView>(async (writer, ct) =>
        {
            var job = await writer.GetJobAsync(id, ct);
            var usable = Usable(job, id);
            if (!usable.IsSuccess)
            {
                return usable.Error;
            }

            job = usable.Value;
            if (JobStates.IsFinished(job.State))
            {
                return new StoreError(ErrorCodes.JobFinished, $"job {id} already ended ({JobStates.ToText(job.State)}); there is nothing to cancel");
            }

            if (job.State == JobState.Running && await writer.GetJobLeaseAsync(id, ct) is { } lease && !lease.HasExpired(writer.Now))
            {
                if (lease.CancelRequestedAt is null)
                {
                    await writer.PutJobLeaseAsync(lease with { CancelRequestedAt = writer.Now }, ct);
                }

                return job;
            }

            var expiresAt = options.Retention.Find(job.OutputClass)?.ExpiryFrom(writer.Now);
            await writer.AppendAsync(new NewEvent(EventTypes.JobStream(id), EventTypes.JobCanceled, actor,
                new JobFinished(id, null, null, null, null, expiresAt).ToCbor()), ct);
            await writer.DeleteJobLeaseAsync(id, ct);
            return (await writer.GetJobAsync(id, ct))!;
        }, cancellationToken);
        if (!recorded.IsSuccess || recorded.Value.State != JobState.Running)
        {
            return recorded;
        }

        // The request is durable; a job running in this process need not wait for the next heartbeat.
        runner.Cancel(id);

        // Wait for the worker to stop the process tree and record the outcome.
        var deadline = time.GetUtcNow() + options.Jobs.KillGracePeriod + TimeSpan.FromSeconds(30);
        while (time.GetUtcNow() < deadline)
        {
            var job = await database.Views.GetJobAsync(id, cancellationToken);
            if (job is not null && JobStates.IsFinished(job.State))
            {
                return job;
            }

            await Task.Delay(50, cancellationToken);
        }

        return (await database.Views.GetJobAsync(id, cancellationToken))!;
    }

    /// <summary>Pins (or unpins) a job: a pinned job and its packages are exempt from retention. Repeating it changes nothing.</summary>
    public async Task<Result<JobView>> SetPinnedAsync(Guid id, bool pinned, string actor, string? reason, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            return new StoreError(ErrorCodes.ReasonRequired, "a reason is required", new Dictionary<string, object?> { ["field"] = "reason" });
        }

        return await database.WriteAsync<JobView>(async (writer, ct) =>
        {
            var usable = Usable(await writer.GetJobAsync(id, ct), id);
            if (!usable.IsSuccess || usable.Value.Pinned == pinned)
            {
                return usable;
            }

            var job = usable.Value;
            await writer.AppendAsync(new NewEvent(EventTypes.JobStream(id), pinned ? EventTypes.JobPinned : EventTypes.JobUnpinned, actor,
                new JobPinChanged(id, reason).ToCbor()), ct);
            if (pinned)
            {
                foreach (var packageId in new[] { job.InputPackageId, job.OutputPackageId, job.LogPackageId }.OfType<Guid>())
                {
                    await KeepPackageAsync(writer, packageId, actor, "job_pinned", ct);
                }
            }

            return (await writer.GetJobAsync(id, ct))!;
        }, cancellationToken);
    }

    /// <summary>The <c>job_expired</c> answer, with what is left of the job.</summary>
    public static StoreError Expired(JobView view) =>
        new(ErrorCodes.JobExpired,
            $"job {view.Id} ({view.Type}) expired at {Time.Rfc3339.ToText(view.ExpiredAt ?? view.ExpiresAt ?? view.CreatedAt)} and its record was removed",
            new Dictionary<string, object?>
            {
                ["tombstone"] = new Dictionary<string, object?>
                {
                    ["id"] = view.Id.ToString(),
                    ["type"] = view.Type,
                    ["created_at"] = Time.Rfc3339.ToText(view.CreatedAt),
                    ["finished_at"] = view.FinishedAt is { } f ? Time.Rfc3339.ToText(f) : null,
                    ["expires_at"] = view.ExpiresAt is { } e ? Time.Rfc3339.ToText(e) : null,
                    ["expired_at"] = view.ExpiredAt is { } x ? Time.Rfc3339.ToText(x) : null,
                    ["input_package_id"] = view.InputPackageId.ToString(),
                    ["output_package_id"] = view.OutputPackageId?.ToString(),
                },
            });

    private static Result<JobView> Usable(JobView? job, Guid id) => job switch
    {
        null => new StoreError(ErrorCodes.JobNotFound, $"there is no job {id}"),
        { State: JobState.Expired } => Expired(job),
        _ => job,
    };

    private static async Task<Result<PackageView>> CheckInputPackageAsync(IStoreWriter writer, Guid id, CancellationToken cancellationToken)
    {
        var package = await writer.GetPackageAsync(id, cancellationToken);
        if (package is null)
        {
            return new StoreError(ErrorCodes.PackageNotFound, $"there is no package {id}", new Dictionary<string, object?> { ["field"] = "input_package_id" });
        }

        if (package.State == PackageState.Deleted)
        {
            return PackageService.Expired(package);
        }

        return package.Files.Count == 1
            ? package
            : StoreError.Validation($"input package {id} holds {package.Files.Count} files; a job takes exactly one", "input_package_id");
    }

    /// <summary>A package a job now keeps is no longer eligible for deletion; the reverse transition is recorded with its cause.</summary>
    private static async Task KeepPackageAsync(IStoreWriter writer, Guid packageId, string actor, string cause, CancellationToken cancellationToken)
    {
        var package = await writer.GetPackageAsync(packageId, cancellationToken);
        if (package is { State: PackageState.Live, Retention.EligibleForDeletion: true })
        {
            await writer.AppendAsync(new NewEvent(EventTypes.PackageStream(packageId), EventTypes.DeletionIneligible, actor,
                new EligibilityChanged(packageId, package.Retention.ExpiresAt, writer.Now, cause).ToCbor()), cancellationToken);
        }
    }

    private static Result<string> CanonicalOptions(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return "{}";
        }

        if (System.Text.Encoding.UTF8.GetByteCount(json) > MaxOptionsBytes)
        {
            return StoreError.Validation($"options is larger than {MaxOptionsBytes} bytes", "options");
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return StoreError.Validation("options must be a JSON object", "options");
            }

            // Duplicate keys, lone surrogates and numbers beyond a double would each fail (or silently
            // change meaning) when canonicalized; refused here, they name the key.
            if (StrictJson.Check(root, "options") is { } problem)
            {
                return StoreError.Validation(problem.Message, problem.Field);
            }

            return Jcs.Serialize(JsonObject.Create(root));
        }
        catch (JsonException e)
        {
            return StoreError.Validation($"options is not valid JSON: {e.Message}", "options");
        }
    }
}
