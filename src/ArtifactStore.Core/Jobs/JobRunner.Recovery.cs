using ArtifactStore.Core.Events;
using ArtifactStore.Core.Platform;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Core.Jobs;

public sealed partial class JobRunner
{
    /// <summary>
    /// Runs before the store reports ready (docs/jobs.md, "Recovery after a crash"): every job left <c>running</c> whose lease
    /// has expired, or that has no lease, has its leftover processes killed and its working directory
    /// cleared, and is requeued (<c>recovered_after_restart</c>, the interrupted attempt counted) — or failed
    /// (<c>interrupted</c>) when that was its last attempt. Working directories of jobs that do not run here
    /// are removed. Returns how many jobs were recovered.
    /// </summary>
    /// <remarks>
    /// The rule holds for one process and for several replicas alike: a lease that has not expired belongs
    /// to a live process and is never taken from it; only a lapsed lease (its holder stopped renewing it)
    /// or a missing one lets another process recover the job. A restart is still not held up by the dead
    /// process's lease, which would otherwise hold for up to <c>Jobs:LeaseDuration</c>: a backend that
    /// guarantees one process per database (the embedded one, through its root lock) knows every lease it
    /// finds on opening is a dead process's and marks it expired then (<see cref="IStoreDatabase.InitializeAsync"/>).
    /// A shared backend leaves live replicas' leases alone; a crashed replica's lapse within the lease
    /// duration and the heartbeat of any process requeues them (<see cref="RequeueExpiredLeasesAsync"/>).
    /// </remarks>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var leases = (await database.Views.ListJobLeasesAsync(cancellationToken)).ToDictionary(l => l.JobId);
        var running = await database.Views.FindRunningJobsAsync(cancellationToken);
        var recovered = 0;
        foreach (var jobId in running.Union(leases.Keys).Distinct())
        {
            var lease = leases.GetValueOrDefault(jobId);
            if (lease is not null && (lease.Owner == InstanceId || !lease.HasExpired(now)))
            {
                continue;
            }

            var workspace = new JobWorkspace(jobsDirectory, jobId);
            await KillLeftoversAsync(workspace, lease, cancellationToken);
            workspace.Delete();
            if (await RequeueInterruptedAsync(jobId, lease, JobRequeued.RecoveredAfterRestart, cancellationToken))
            {
                recovered++;
            }
        }

        if (Directory.Exists(jobsDirectory))
        {
            foreach (var directory in Directory.EnumerateDirectories(jobsDirectory))
            {
                if (!Guid.TryParse(Path.GetFileName(directory), out var id))
                {
                    Directory.Delete(directory, recursive: true);
                }
                else if (!_running.ContainsKey(id))
                {
                    var workspace = new JobWorkspace(jobsDirectory, id);
                    await KillLeftoversAsync(workspace, lease: null, cancellationToken);
                    workspace.Delete();
                }
            }
        }

        return recovered;
    }

    /// <summary>A lease nobody renews any more has expired (another replica died, or an attempt here ended abnormally); its job is requeued the same way.</summary>
    private async Task RequeueExpiredLeasesAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var lease in await database.Views.ListJobLeasesAsync(cancellationToken))
        {
            // Another process's lease it stopped renewing, or one of ours whose attempt ended without an outcome (a broken disk, say).
            if (lease.HasExpired(now) && (lease.Owner != InstanceId || !_running.ContainsKey(lease.JobId)))
            {
                await RequeueInterruptedAsync(lease.JobId, lease, JobRequeued.LeaseExpired, cancellationToken);
            }
        }
    }

    /// <summary>One unit of work: if the job still runs under the lapsed <paramref name="lease"/> (or without any), requeue or fail it and drop the lease.</summary>
    private async Task<bool> RequeueInterruptedAsync(Guid jobId, JobLease? lease, string reason, CancellationToken cancellationToken)
    {
        var failed = false;
        var result = await database.WriteAsync<bool>(async (writer, ct) =>
        {
            // Renewed or re-leased since we looked (or leased where there was no lease) means it is alive after all.
            if (await writer.GetJobLeaseAsync(jobId, ct) != lease)
            {
                return false;
            }

            var job = await writer.GetJobAsync(jobId, ct);
            if (job is { State: JobState.Running })
            {
                var error = new JobError(reason == JobRequeued.LeaseExpired ? JobError.LeaseExpired : JobError.Interrupted,
                    $"attempt {job.Attempts} was interrupted: the process running it stopped ({reason})");
                var stream = EventTypes.JobStream(jobId);
                if (job.Attempts < job.MaxAttempts)
                {
                    await writer.AppendAsync(new NewEvent(stream, EventTypes.JobRequeued, Actor,
                        new JobRequeued(jobId, reason, job.Attempts, writer.Now, error).ToCbor()), ct);
                }
                else
                {
                    var expiresAt = options.Retention.Find(job.OutputClass)?.ExpiryFrom(writer.Now);
                    await writer.AppendAsync(new NewEvent(stream, EventTypes.JobFailed, Actor,
                        new JobFinished(jobId, null, null, error, null, expiresAt).ToCbor()), ct);
                }
            }

            await writer.DeleteJobLeaseAsync(jobId, ct);
            failed = job is { State: JobState.Running } && job.Attempts >= job.MaxAttempts;
            return job is { State: JobState.Running };
        }, cancellationToken);
        if (result.IsSuccess && failed)
        {
            await ForgetLiveLogAsync(jobId);
        }

        return result.IsSuccess && result.Value;
    }

    /// <summary>
    /// Kills what a dead process left running for a job: the group recorded in its working directory (written
    /// when the command started) and the one its lease carried, if a heartbeat had put it there and the lease's
    /// holder ran in this process space.
    /// </summary>
    private static async Task KillLeftoversAsync(JobWorkspace workspace, JobLease? lease, CancellationToken cancellationToken)
    {
        var recorded = workspace.RecordedProcessGroup();
        if (recorded is { } group)
        {
            await KillLeftoverAsync(group, cancellationToken);
        }

        // The lease's number names a group only where its holder ran: a replica on another machine (or in
        // another container) may have used the number of an unrelated local process group.
        if (lease?.ProcessGroup is { } leased && leased != recorded && InstanceIds.SharesProcessSpace(lease.Owner))
        {
            await KillLeftoverAsync(leased, cancellationToken);
        }
    }

    private static async Task KillLeftoverAsync(int processGroup, CancellationToken cancellationToken)
    {
        // The group was started by a process that is gone; nothing of it may keep writing.
        ProcessGroups.Signal(processGroup, ProcessGroups.SigKill);
        for (var i = 0; i < 100 && ProcessGroups.Members(processGroup).Count > 0; i++)
        {
            await Task.Delay(20, cancellationToken);
        }
    }
}
