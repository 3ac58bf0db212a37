using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Jobs;

namespace ArtifactStore.Conformance.Tests.Contracts;

/// <summary>
/// Job leases with more than one process on a database: recovery never takes a lease that still holds,
/// and a cancel asked for through one process reaches the process that runs the job through the lease record.
/// </summary>
public abstract class JobLeaseContract(StoreBackendFixture fixture)
{
    internal const string OtherReplica = "replica-a:1:0123456789abcdef";

    [Fact]
    public async Task recovery_leaves_a_job_whose_lease_still_holds_and_requeues_it_once_the_lease_has_expired()
    {
        var store = await TestStore.OpenAsync(fixture);
        var options = Options(store, new BlockingHandler());
        await using var runner = Runner(store, options);
        try
        {
            var jobId = await SubmitAsync(store, options, runner);
            await LeaseElsewhereAsync(store, jobId, TimeSpan.FromSeconds(30));

            Assert.Equal(0, await runner.RecoverAsync(CancellationToken.None));
            Assert.Equal(JobState.Running, (await store.Database.Views.GetJobAsync(jobId, default))!.State);
            Assert.Equal(OtherReplica, Assert.Single(await store.Database.Views.ListJobLeasesAsync(default)).Owner);

            store.Time.Advance(TimeSpan.FromSeconds(30));
            Assert.Equal(1, await runner.RecoverAsync(CancellationToken.None));
            var job = (await store.Database.Views.GetJobAsync(jobId, default))!;
            Assert.Equal(JobState.Queued, job.State);
            Assert.Equal(JobError.Interrupted, job.Error?.Code);
            Assert.Empty(await store.Database.Views.ListJobLeasesAsync(default));
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_cancel_asked_for_through_another_process_reaches_the_lease_holder_which_stops_the_job_and_records_it()
    {
        var store = await TestStore.OpenAsync(fixture);
        var handler = new BlockingHandler();
        var options = Options(store, handler);
        await using var worker = Runner(store, options);
        await using var elsewhere = Runner(store, options);
        try
        {
            var jobId = await SubmitAsync(store, options, elsewhere);
            worker.Start();
            await handler.Started.WaitAsync(TimeSpan.FromSeconds(10));

            // Through a service whose runner does not run the job: only the lease record can reach the worker.
            var service = new JobService(store.Database, store.Packages, elsewhere, options, store.Time);
            var canceled = await KeepTimeMovingAsync(store, service.CancelAsync(jobId, "operator", CancellationToken.None));

            Assert.Equal(JobState.Canceled, canceled.Value.State);
            Assert.NotNull(canceled.Value.LogPackageId); // recorded by the worker, with the log, not by the canceller
            Assert.True(handler.SawCancellation);
            var events = new List<EventRecord>();
            await foreach (var record in store.Database.ReadStreamAsync(EventTypes.JobStream(jobId), default))
            {
                events.Add(record);
            }

            Assert.Equal((EventTypes.JobCanceled, "system:jobs"), (events[^1].Type, events[^1].Actor));
            Assert.Empty(await store.Database.Views.ListJobLeasesAsync(default));
        }
        finally
        {
            await worker.StopAsync(TimeSpan.Zero);
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_cancel_on_the_lease_wins_over_a_retry_when_the_attempt_fails_before_the_heartbeat_sees_it()
    {
        var store = await TestStore.OpenAsync(fixture);
        var handler = new BlockingHandler { ExitCodeWhenReleased = 1 };
        var options = Options(store, handler, TimeSpan.FromMinutes(1));
        await using var worker = Runner(store, options);
        await using var elsewhere = Runner(store, options);
        try
        {
            var jobId = await SubmitAsync(store, options, elsewhere);
            worker.Start();
            await handler.Started.WaitAsync(TimeSpan.FromSeconds(10));

            var service = new JobService(store.Database, store.Packages, elsewhere, options, store.Time);
            var cancel = service.CancelAsync(jobId, "operator", CancellationToken.None);
            while ((await store.Database.Views.ListJobLeasesAsync(default)) is not [{ CancelRequestedAt: not null }])
            {
                await Task.Delay(20);
            }

            // The attempt fails (and could be retried) long before the next heartbeat (20 s away).
            handler.Release();
            var canceled = await KeepTimeMovingAsync(store, cancel);
            Assert.Equal(JobState.Canceled, canceled.Value.State);
            Assert.False(handler.SawCancellation);
        }
        finally
        {
            await worker.StopAsync(TimeSpan.Zero);
            await store.DisposeAsync();
        }
    }

    /// <summary>
    /// Waits for <paramref name="task"/> while the fake clock moves on in small steps, so that heartbeats
    /// (timers on that clock) fire as they would in a running process; fails after 20 s of real time.
    /// </summary>
    internal static async Task<T> KeepTimeMovingAsync<T>(TestStore store, Task<T> task)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!task.IsCompleted && DateTime.UtcNow < deadline)
        {
            store.Time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(task, Task.Delay(20));
        }

        return await task.WaitAsync(TimeSpan.Zero);
    }

    internal static StoreOptions Options(TestStore store, IJobHandler handler, TimeSpan? leaseDuration = null) => store.Options with
    {
        Jobs = new JobOptions
        {
            Slots = 1,
            LeaseDuration = leaseDuration ?? TimeSpan.FromMilliseconds(600),
            PollInterval = TimeSpan.FromMilliseconds(50),
            Types = new Dictionary<string, JobType>(StringComparer.Ordinal) { ["block"] = new("block") { Handler = handler, MaxAttempts = 2 } },
        },
    };

    internal static JobRunner Runner(TestStore store, StoreOptions options) => store.JobRunner(options);

    internal static async Task<Guid> SubmitAsync(TestStore store, StoreOptions options, JobRunner runner)
    {
        var input = (await store.CreateAsync("input", new Dictionary<string, string> { ["in.txt"] = "input" })).Value.Package;
        var service = new JobService(store.Database, store.Packages, runner, options, store.Time);
        return (await service.SubmitAsync(new JobSubmission("block", null, null, input.Id), "tester", null, CancellationToken.None)).Value.Job.Id;
    }

    /// <summary>Another process leased the job: its started event and a lease that holds for <paramref name="duration"/>.</summary>
    internal static async Task LeaseElsewhereAsync(TestStore store, Guid jobId, TimeSpan duration) =>
        await store.Database.WriteAsync<bool>(async (writer, ct) =>
        {
            await writer.AppendAsync(new NewEvent(EventTypes.JobStream(jobId), EventTypes.JobStarted, "system:jobs", new JobStarted(jobId, 1, OtherReplica).ToCbor()), ct);
            await writer.PutJobLeaseAsync(new JobLease(jobId, OtherReplica, 1, writer.Now + duration, null), ct);
            return true;
        }, CancellationToken.None);

    /// <summary>Runs until it is cancelled, or until released (then exits with <see cref="ExitCodeWhenReleased"/>).</summary>
    internal sealed class BlockingHandler : IJobHandler
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Started => _started.Task;

        public bool SawCancellation { get; private set; }

        public int ExitCodeWhenReleased { get; init; }

        public void Release() => _released.TrySetResult();

        public async Task<int> RunAsync(JobContext context, CancellationToken cancellationToken)
        {
            _started.TrySetResult();
            try
            {
                await _released.Task.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                SawCancellation = true;
                throw;
            }

            return ExitCodeWhenReleased;
        }
    }
}
