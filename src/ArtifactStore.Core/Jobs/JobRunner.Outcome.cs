using ArtifactStore.Core.Diagnostics;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Platform;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Core.Jobs;

public sealed partial class JobRunner
{
    /// <summary>
    /// Steps 4 and 5: records the attempt's outcome in one unit of work, guarded by the lease. A package the
    /// outcome needs (output, or the log of a failed or canceled job) is staged first and created in the
    /// same unit of work as the job's event, so it exists exactly when the event does. Collecting the
    /// output observes the attempt's stop: a cancel, shutdown or lost lease while the output is read
    /// records that instead. Once the package is staged the working directory is no longer needed:
    /// <paramref name="clear"/> removes it before the commit, so that no later attempt of the job can find it.
    /// </summary>
    private async Task FinishAsync(JobView job, int attempt, AttemptOutcome outcome, JobWorkspace workspace, RunningJob running, Action clear)
    {
        PackageUpload? upload = null;
        PreparedPackage? prepared = null;
        try
        {
            if (outcome.Kind == OutcomeKind.Succeeded)
            {
                try
                {
                    var files = workspace.OutputFiles(out var problem);
                    (upload, prepared, problem) = problem is null ? await StagePackageAsync(job, "output", files, running.Abort.Token) : (null, null, problem);
                    if (problem is not null)
                    {
                        outcome = AttemptOutcome.FailedNow(new JobError(JobError.OutputRejected, problem), 0);
                    }
                }
                catch (OperationCanceledException) when (running.StopReason != JobStopReason.None)
                {
                    outcome = OutcomeOfStop(job, Jobs.Find(job.Type)!, attempt, running.StopReason, workspace);
                }
            }

            if (outcome.Kind == OutcomeKind.LeaseLost)
            {
                OnProblem?.Invoke($"job {job.Id} attempt {attempt}: the lease was lost (canceled or taken over elsewhere); its result is dropped", null);
                return;
            }

            if (outcome.Kind is OutcomeKind.Failed or OutcomeKind.Canceled && File.Exists(workspace.LogPath))
            {
                // Only the log, a file this process wrote (opened only if it is still a regular file).
                (upload, prepared, _) = await StagePackageAsync(job, "log", [("logs/run.log", workspace.LogPath)], CancellationToken.None);
            }

            clear();
            await RecordAsync(job, attempt, outcome, prepared);
        }
        finally
        {
            if (upload is not null)
            {
                await upload.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The unit of work of step 4: the package (if any) and the job's event, only while this process
    /// holds the job's lease for this attempt; the lease is deleted with it.
    /// </summary>
    private async Task RecordAsync(JobView job, int attempt, AttemptOutcome outcome, PreparedPackage? prepared)
    {
        var recorded = outcome;
        var result = await packages.WriteWithPackageAsync<bool>(prepared, async (writer, ct) =>
        {
            if (await HeldLeaseAsync(writer, job.Id, attempt, ct) is not { } lease)
            {
                return false;
            }

            if (prepared is not null && await packages.AppendAsync(writer, prepared, Actor, ct) is { } publishError)
            {
                return publishError;
            }

            // A cancel recorded on the lease before the heartbeat saw it still wins over another try.
            recorded = lease.CancelRequestedAt is not null && outcome.Kind is OutcomeKind.Retry or OutcomeKind.Shutdown
                ? AttemptOutcome.Canceled()
                : outcome;
            await AppendOutcomeAsync(writer, job, attempt, recorded, prepared?.Id, ct);
            await writer.DeleteJobLeaseAsync(job.Id, ct);
            return true;
        }, CancellationToken.None);

        if (prepared is not null)
        {
            await packages.DiscardAsync(prepared, CancellationToken.None);
        }

        if (!result.IsSuccess)
        {
            OnProblem?.Invoke($"job {job.Id} attempt {attempt}: recording the outcome failed: {result.Error.Message}", null);
        }
        else if (outcome.Kind is OutcomeKind.Retry or OutcomeKind.Shutdown)
        {
            Wake();
        }

        if (result.IsSuccess && result.Value && recorded.Kind is OutcomeKind.Succeeded or OutcomeKind.Failed or OutcomeKind.Canceled)
        {
            StoreMetrics.JobsFinished.Add(1, new KeyValuePair<string, object?>("state", recorded.Kind switch
            {
                OutcomeKind.Succeeded => "succeeded",
                OutcomeKind.Failed => "failed",
                _ => "canceled",
            }));
            await ForgetLiveLogAsync(job.Id);
        }
    }

    /// <summary>After a final outcome committed: the live log's text is in the job's package now, so the live copy goes.</summary>
    private async Task ForgetLiveLogAsync(Guid jobId)
    {
        try
        {
            await logs.ForgetAsync(jobId, CancellationToken.None);
        }
        catch (Exception e)
        {
            // Harmless to keep: a finished job's log is read from its package; only space is lost.
            OnProblem?.Invoke($"cannot drop the live log of finished job {jobId}", e);
        }
    }

    private async Task AppendOutcomeAsync(IStoreWriter writer, JobView job, int attempt, AttemptOutcome outcome, Guid? packageId, CancellationToken cancellationToken)
    {
        var stream = EventTypes.JobStream(job.Id);
        var expiresAt = options.Retention.Find(job.OutputClass)?.ExpiryFrom(writer.Now);
        var (type, payload) = outcome.Kind switch
        {
            OutcomeKind.Succeeded => (EventTypes.JobSucceeded, new JobFinished(job.Id, packageId, null, null, 0, expiresAt).ToCbor()),
            OutcomeKind.Failed => (EventTypes.JobFailed, new JobFinished(job.Id, null, packageId, outcome.Error, outcome.ExitCode, expiresAt).ToCbor()),
            OutcomeKind.Canceled => (EventTypes.JobCanceled, new JobFinished(job.Id, null, packageId, null, null, expiresAt).ToCbor()),
            OutcomeKind.Retry => (EventTypes.JobRequeued,
                new JobRequeued(job.Id, JobRequeued.Retry, attempt, writer.Now + outcome.Backoff, outcome.Error).ToCbor()),
            _ => (EventTypes.JobRequeued, new JobRequeued(job.Id, JobRequeued.Shutdown, attempt - 1, writer.Now, null).ToCbor()),
        };
        await writer.AppendAsync(new NewEvent(stream, type, Actor, payload), cancellationToken);
    }

    /// <summary>
    /// Stages files as a package named <c>jobs/&lt;id&gt;/&lt;role&gt;</c> in the output class; a refusal comes
    /// back as a problem. Each file is opened only if it is a regular file (<see cref="RegularFiles"/>).
    /// </summary>
    private async Task<(PackageUpload? Upload, PreparedPackage? Prepared, string? Problem)> StagePackageAsync(
        JobView job, string role, IReadOnlyList<(string PackagePath, string FilePath)> files, CancellationToken cancellationToken)
    {
        var upload = packages.BeginUpload();
        try
        {
            var problem = upload.AddField("name", $"jobs/{job.Id}/{role}")
                ?? upload.AddField("retention_class", job.OutputClass)
                ?? upload.AddField("label", $"job_id={job.Id}")
                ?? upload.AddField("label", $"job_type={job.Type}");
            foreach (var (packagePath, filePath) in files)
            {
                if (problem is not null)
                {
                    break;
                }

                cancellationToken.ThrowIfCancellationRequested();
                await using var content = RegularFiles.OpenRead(filePath, out var kind);
                if (content is null)
                {
                    problem = StoreError.Validation(JobWorkspace.NotRegular(packagePath, kind), "file");
                    break;
                }

                problem = await upload.AddFileAsync(packagePath, MediaTypes.Guess(packagePath), content, cancellationToken);
            }

            if (problem is not null)
            {
                await upload.DisposeAsync();
                return (null, null, $"the {role} cannot be stored: {problem.Message}");
            }

            var prepared = await packages.PrepareAsync(upload, cancellationToken);
            if (!prepared.IsSuccess)
            {
                await upload.DisposeAsync();
                return (null, null, $"the {role} cannot be stored: {prepared.Error.Message}");
            }

            return (upload, prepared.Value, null);
        }
        catch
        {
            await upload.DisposeAsync();
            throw;
        }
    }
}
