using System.Collections.Concurrent;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Core.Jobs;

/// <summary>
/// The worker pool (docs/jobs.md): <see cref="JobOptions.Slots"/> slots, each running this loop —
/// <list type="number">
/// <item>lease the queued job whose backoff ended first: <c>v1.job.started</c> and a lease row, in one unit of work,
///   as soon as the slot's previous command has ended;</item>
/// <item>prepare <c>jobs/&lt;id&gt;/</c> with the verified input, the log open through <see cref="IJobLogStore"/>;</item>
/// <item>run the handler under the type's timeout while a heartbeat renews the lease and stops the attempt
///   when the lease records a cancel (asked for through any process);</item>
/// <item>once the outcome's package is staged, remove the working directory;</item>
/// <item>record exactly one outcome, only if the lease is still ours: success with the output package in the
///   same unit of work, a retry with backoff, failure, or cancel.</item>
/// </list>
/// An attempt told to stop (cancel, timeout, shutdown, lost lease) that has not ended within
/// <see cref="StopDeadline"/> is abandoned: its outcome is recorded without it and its slot moves on, so
/// no phase of an attempt can keep a job running or a slot busy for ever.
/// The guarantee is at-least-once execution and exactly-once recording: a crash between 1 and 5 leaves a
/// <c>running</c> job that <see cref="RecoverAsync"/> requeues before the store reports ready, and an
/// outcome is recorded only by the lease holder, so no job gets two output packages.
/// </summary>
public sealed partial class JobRunner(
    IStoreDatabase database,
    BlobReader blobReader,
    PackageService packages,
    StoreOptions options,
    string jobsDirectory,
    IJobLogStore logs,
    TimeProvider time) : IAsyncDisposable
{
    private const string Actor = "system:jobs";
    private readonly ConcurrentDictionary<Guid, RunningJob> _running = new();

    /// <summary>Emptied working directories of ended jobs, each moved into place for a later job instead of made anew.</summary>
    private readonly ConcurrentQueue<string> _spareDirectories = new();

    /// <summary>At most this many spare directories wait: a busy slot's next job is prepared before its previous one is cleared.</summary>
    private int SpareDirectoriesKept => 2 * Jobs.Slots;
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly CancellationTokenSource _leasing = new();
    private readonly CancellationTokenSource _heartbeatStop = new();
    private readonly List<Task> _loops = [];
    private readonly List<string> _runnable = [.. options.Jobs.Types.Keys];
    private Task _heartbeat = Task.CompletedTask;
    private int _idleSlots;

    /// <summary>Names this process in leases and <c>v1.job.started</c>; a new one each start.</summary>
    public string InstanceId { get; } = Platform.InstanceIds.New();

    private JobOptions Jobs => options.Jobs;

    /// <summary>Where the pool reports problems it recovers from (the server sets its logger).</summary>
    public Action<string, Exception?>? OnProblem { get; set; }

    /// <summary>Slots waiting for work right now (all of them when idle; a leaked slot would show here).</summary>
    public int IdleSlots => Volatile.Read(ref _idleSlots);

    public int RunningCount => _running.Count;

    public bool IsStarted => _loops.Count > 0;

    /// <summary>Starts the slots and the heartbeat. Call after <see cref="RecoverAsync"/>.</summary>
    public void Start()
    {
        if (_loops.Count > 0)
        {
            return;
        }

        for (var slot = 0; slot < Jobs.Slots; slot++)
        {
            _loops.Add(Task.Run(SlotLoopAsync));
        }

        _heartbeat = Task.Run(HeartbeatLoopAsync);
    }

    /// <summary>Tells idle slots that a job was queued.</summary>
    public void Wake()
    {
        if (_wake.CurrentCount < Jobs.Slots)
        {
            _wake.Release();
        }
    }

    /// <summary>
    /// The in-process fast path of a cancel: stops a job running in this process (TERM, then KILL); false
    /// when it does not run here. The cancel itself is recorded on the lease (<see cref="JobService.CancelAsync"/>),
    /// which the heartbeat of whichever process runs the job acts on.
    /// </summary>
    public bool Cancel(Guid jobId)
    {
        if (!_running.TryGetValue(jobId, out var running))
        {
            return false;
        }

        running.Stop(JobStopReason.Canceled);
        return true;
    }

    /// <summary>
    /// Stops leasing, lets running attempts finish for up to <paramref name="grace"/>, then stops them and
    /// requeues their jobs (<c>reason: shutdown</c>, the attempt not counted).
    /// </summary>
    public async Task StopAsync(TimeSpan grace)
    {
        await _leasing.CancelAsync();
        var slots = Task.WhenAll(_loops);
        if (await Task.WhenAny(slots, Task.Delay(grace)) != slots)
        {
            foreach (var running in _running.Values)
            {
                running.Stop(JobStopReason.Shutdown);
            }
        }

        // The heartbeat keeps the leases of running attempts alive until the last one has ended.
        await slots;
        await _heartbeatStop.CancelAsync();
        await _heartbeat;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_leasing.IsCancellationRequested)
        {
            await StopAsync(TimeSpan.Zero);
        }

        _leasing.Dispose();
        _heartbeatStop.Dispose();
        _wake.Dispose();
    }

    /// <summary>
    /// One slot: leases a job, or waits until <see cref="Wake"/> or the poll interval, and runs it. The slot is free
    /// again as soon as the attempt's command has ended: it leases its next job while the attempt it leaves stages
    /// its output, clears its directory and records its outcome, so a busy slot's next command never waits for the
    /// previous outcome's commit (docs/jobs.md, "Commits per job, and waking a slot"). At most one attempt of the
    /// slot records its outcome while the next one runs; the loop ends only after both have ended.
    /// </summary>
    private async Task SlotLoopAsync()
    {
        var stopping = _leasing.Token;
        var finishing = Task.CompletedTask;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                LeasedJob? leased;
                try
                {
                    leased = await TryLeaseAsync(stopping);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    // Stopped while asking for work. Should the lease have committed all the same, it expires
                    // unrenewed or recovery requeues it, as after a crash.
                    return;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    OnProblem?.Invoke("leasing a job failed; retrying", e);
                    leased = null;
                }

                if (leased is null)
                {
                    Interlocked.Increment(ref _idleSlots);
                    try
                    {
                        await _wake.WaitAsync(Jobs.PollInterval, stopping);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                    finally
                    {
                        Interlocked.Decrement(ref _idleSlots);
                    }

                    continue;
                }

                var running = new RunningJob(leased.Job.Id, leased.Attempt);
                var attempt = RunSupervisedAsync(leased, running);
                await Task.WhenAny(running.CommandEnded, attempt);

                // The attempt before this one has had a whole command's time to record its outcome; should it still
                // be at it, the slot waits, so that finishing attempts never pile up behind a fast command.
                await finishing;
                finishing = attempt;
            }
        }
        finally
        {
            await finishing;
        }
    }

    /// <summary>Step 1: the lease. One unit of work: the started event and the lease row, or nothing.</summary>
    private async Task<LeasedJob?> TryLeaseAsync(CancellationToken cancellationToken)
    {
        var result = await database.WriteAsync(LeaseNextAsync, cancellationToken);
        return result.IsSuccess ? result.Value : null;
    }

    /// <summary>Inside the lease's unit of work, takes the queued job whose backoff ended first: <c>v1.job.started</c> and the lease row.</summary>
    private async Task<Result<LeasedJob?>> LeaseNextAsync(IStoreWriter writer, CancellationToken cancellationToken)
    {
        var job = await writer.NextQueuedJobAsync(writer.Now, _runnable, cancellationToken);
        if (job is null)
        {
            return Result<LeasedJob?>.Ok(null);
        }

        var attempt = job.Attempts + 1;
        await writer.AppendAsync(new NewEvent(EventTypes.JobStream(job.Id), EventTypes.JobStarted, Actor,
            new JobStarted(job.Id, attempt, InstanceId).ToCbor()), cancellationToken);
        await writer.PutJobLeaseAsync(new JobLease(job.Id, InstanceId, attempt, writer.Now + Jobs.LeaseDuration, null), cancellationToken);
        return new LeasedJob(job, attempt);
    }

    /// <summary>Renews the leases of what runs here, stops attempts whose lease records a cancel or was taken over elsewhere, and requeues jobs whose lease expired.</summary>
    private async Task HeartbeatLoopAsync()
    {
        var period = Jobs.LeaseDuration / 3;
        while (!_heartbeatStop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(period, time, _heartbeatStop.Token);
                await RenewLeasesAsync();
                if (!_leasing.IsCancellationRequested)
                {
                    await RequeueExpiredLeasesAsync(CancellationToken.None);
                }
            }
            catch (OperationCanceledException) when (_heartbeatStop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                OnProblem?.Invoke("the job heartbeat failed; retrying", e);
            }
        }
    }

    private async Task RenewLeasesAsync()
    {
        var running = _running.Values.ToList();
        if (running.Count == 0)
        {
            return;
        }

        var stops = await database.WriteAsync<List<(RunningJob Attempt, JobStopReason Reason)>>(async (writer, ct) =>
        {
            var stop = new List<(RunningJob, JobStopReason)>();
            foreach (var attempt in running)
            {
                if (await HeldLeaseAsync(writer, attempt.JobId, attempt.Attempt, ct) is not { } lease)
                {
                    stop.Add((attempt, JobStopReason.LeaseLost));
                    continue;
                }

                // A cancel asked for through any process is recorded here; the lease is still renewed while the attempt stops.
                if (lease.CancelRequestedAt is not null)
                {
                    stop.Add((attempt, JobStopReason.Canceled));
                }

                await writer.PutJobLeaseAsync(lease with { ExpiresAt = writer.Now + Jobs.LeaseDuration, ProcessGroup = attempt.ProcessGroup }, ct);
            }

            return stop;
        }, CancellationToken.None);
        foreach (var (attempt, reason) in stops.Value)
        {
            attempt.Stop(reason);
        }
    }

    /// <summary>Inside a unit of work: the lease on the job when it is this process's for this attempt and the job still runs; otherwise null.</summary>
    private async Task<JobLease?> HeldLeaseAsync(IStoreWriter writer, Guid jobId, int attempt, CancellationToken cancellationToken)
    {
        var lease = await writer.GetJobLeaseAsync(jobId, cancellationToken);
        if (lease is null || lease.Owner != InstanceId || lease.Attempt != attempt)
        {
            return null;
        }

        var job = await writer.GetJobAsync(jobId, cancellationToken);
        return job is { State: JobState.Running } && job.Attempts == attempt ? lease : null;
    }
}
