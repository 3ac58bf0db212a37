using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using ArtifactStore.Conformance.Tests.Backends;
using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Platform;

namespace ArtifactStore.Conformance.Tests.Contracts;

/// <summary>
/// Durable jobs on the backend, run by an in-process handler: a lease per attempt, retries after their
/// backoff, timeouts and expired leases measured on the store's clock, and exactly one recorded
/// outcome (and output package) per job, however many workers compete.
/// </summary>
public abstract class JobContract(StoreBackendFixture fixture)
{
    private const string Type = "upper";
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task a_job_is_leased_run_and_records_exactly_one_success_with_its_output_package()
    {
        var handler = new Handler();
        var store = await OpenAsync(handler);
        try
        {
            await using var runner = store.JobRunner();
            runner.Start();
            var job = await SubmitAsync(store, runner, "hello");

            var done = await WaitForAsync(store, job.Id, j => j.State == JobState.Succeeded);
            Assert.Equal(1, done.Attempts);
            Assert.Null(done.Error);
            Assert.Equal([EventTypes.JobSubmitted, EventTypes.JobStarted, EventTypes.JobSucceeded], await TypesAsync(store, job.Id));
            Assert.Equal(1, handler.Runs[job.Id]);
            Assert.Empty(await store.Database.Views.ListJobLeasesAsync(CancellationToken.None));

            var output = (await store.Packages.GetAsync(done.OutputPackageId!.Value, CancellationToken.None)).Value;
            Assert.Equal(["artifacts/out.txt", "logs/run.log"], output.Files.Select(f => f.Path));
            Assert.Equal("HELLO", await ReadAsync(store, output.Files[0]));
            // The attempt removes its working directory just after the outcome commits, so the directory may outlive the view's change by a moment.
            await WaitUntilGoneAsync(Path.Combine(store.JobsDirectory, job.Id.ToString()));
            // The live log went with it: the finished job's log is read from its package now.
            Assert.Equal(0, await store.Backend.JobLogs.CopyFromAsync(job.Id, 0, Stream.Null, CancellationToken.None));
            await store.AssertViewsMatchReplayAsync();
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_failed_attempt_is_retried_only_once_its_backoff_has_passed_on_the_clock()
    {
        var handler = new Handler { ExitCode = attempt => attempt == 1 ? 3 : 0 };
        var store = await OpenAsync(handler, type => type with { MaxAttempts = 3, Backoff = TimeSpan.FromMinutes(1) });
        try
        {
            await using var runner = store.JobRunner();
            runner.Start();
            var job = await SubmitAsync(store, runner, "retry me");

            var waiting = await WaitForAsync(store, job.Id, j => j.State == JobState.Queued && j.Attempts == 1);
            Assert.Equal(TestStore.Start + TimeSpan.FromMinutes(1), waiting.NotBefore);
            Assert.Equal(JobError.ExitCode, waiting.Error?.Code);

            // The slots keep polling on the wall clock; the store's clock has not reached the end of the backoff.
            store.Time.Advance(TimeSpan.FromSeconds(59));
            await Task.Delay(300);
            Assert.Equal(JobState.Queued, (await store.Database.Views.GetJobAsync(job.Id, CancellationToken.None))!.State);
            Assert.Equal(1, handler.Runs[job.Id]);

            store.Time.Advance(TimeSpan.FromSeconds(2));
            var done = await WaitForAsync(store, job.Id, j => j.State == JobState.Succeeded);
            Assert.Equal(2, done.Attempts);
            Assert.Equal(2, handler.Runs[job.Id]);
            Assert.Equal(
                [EventTypes.JobSubmitted, EventTypes.JobStarted, EventTypes.JobRequeued, EventTypes.JobStarted, EventTypes.JobSucceeded],
                await TypesAsync(store, job.Id));
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task an_attempt_running_past_its_timeout_is_stopped_when_the_clock_passes_it()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new Handler
        {
            Body = async ct =>
            {
                started.TrySetResult();
                await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            },
        };
        var store = await OpenAsync(handler, type => type with { MaxAttempts = 1, Timeout = TimeSpan.FromMinutes(5) });
        try
        {
            await using var runner = store.JobRunner();
            runner.Start();
            var job = await SubmitAsync(store, runner, "slow");
            await started.Task.WaitAsync(TimeSpan.FromSeconds(20));

            await AdvanceAsync(store, TimeSpan.FromMinutes(4), TimeSpan.FromSeconds(10));
            Assert.Equal(JobState.Running, (await store.Database.Views.GetJobAsync(job.Id, CancellationToken.None))!.State);

            await AdvanceAsync(store, TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
            var failed = await WaitForAsync(store, job.Id, j => j.State == JobState.Failed);
            Assert.Equal(JobError.Timeout, failed.Error?.Code);
            Assert.NotNull(failed.LogPackageId);
            Assert.Null(failed.OutputPackageId);
            Assert.Empty(await store.Database.Views.ListJobLeasesAsync(CancellationToken.None));
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task an_expired_lease_of_a_stopped_worker_is_requeued_on_the_clock_and_the_job_then_ends_exactly_once()
    {
        var handler = new Handler();
        var store = await OpenAsync(handler);
        try
        {
            await using var runner = store.JobRunner();
            var job = await SubmitAsync(store, runner, "orphaned");
            await LeaseElsewhereAsync(store, job.Id);
            runner.Start();

            // Heartbeats come and go while the other worker's lease still holds: nobody takes the job.
            await AdvanceAsync(store, TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(5));
            var held = await store.Database.Views.GetJobAsync(job.Id, CancellationToken.None);
            Assert.Equal(JobState.Running, held!.State);
            Assert.Equal("elsewhere", Assert.Single(await store.Database.Views.ListJobLeasesAsync(CancellationToken.None)).Owner);
            Assert.False(handler.Runs.ContainsKey(job.Id));

            var done = await AdvanceUntilAsync(store, TimeSpan.FromSeconds(5), job.Id, j => j.State == JobState.Succeeded);
            Assert.Equal(2, done.Attempts);
            Assert.Equal(1, handler.Runs[job.Id]);
            var events = await store.Database.ReadStreamAsync(EventTypes.JobStream(job.Id), CancellationToken.None).ToListAsync();
            Assert.Equal(
                [EventTypes.JobSubmitted, EventTypes.JobStarted, EventTypes.JobRequeued, EventTypes.JobStarted, EventTypes.JobSucceeded],
                events.Select(e => e.Type));
            Assert.Equal(JobRequeued.LeaseExpired, JobRequeued.FromCbor(Map(events[2])).Reason);
            Assert.Equal(runner.InstanceId, JobStarted.FromCbor(Map(events[3])).Worker);
            Assert.Single(await OutputPackagesAsync(store, job.Id));
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_job_left_running_by_a_stopped_process_is_requeued_once_its_lease_lapses_and_then_ends_once()
    {
        var handler = new Handler();
        var store = await OpenAsync(handler);
        try
        {
            Guid jobId;
            await using (var before = store.JobRunner())
            {
                jobId = (await SubmitAsync(store, before, "interrupted")).Id;
            }

            await LeaseElsewhereAsync(store, jobId);
            store = await store.ReopenAsync();
            Assert.Equal(JobState.Running, (await store.Database.Views.GetJobAsync(jobId, CancellationToken.None))!.State);

            // A backend shared by live replicas cannot tell a stopped process from a running one: its lease has
            // to lapse first (the embedded backend, which can, expires it at once; EmbeddedLeaseTests).
            store.Time.Advance(Lease);
            await using var runner = store.JobRunner();
            Assert.Equal(1, await runner.RecoverAsync(CancellationToken.None));
            var requeued = (await store.Database.Views.GetJobAsync(jobId, CancellationToken.None))!;
            Assert.Equal(JobState.Queued, requeued.State);
            Assert.Equal(JobError.Interrupted, requeued.Error?.Code);
            Assert.Empty(await store.Database.Views.ListJobLeasesAsync(CancellationToken.None));

            runner.Start();
            var done = await WaitForAsync(store, jobId, j => j.State == JobState.Succeeded);
            Assert.Equal(2, done.Attempts);
            Assert.Equal(1, handler.Runs[jobId]);
            Assert.Single(await OutputPackagesAsync(store, jobId));
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task two_workers_on_one_store_run_each_job_once_and_record_one_outcome_each()
    {
        var handler = new Handler();
        var store = await OpenAsync(handler);
        try
        {
            await using var first = store.JobRunner();
            await using var second = store.JobRunner();
            var jobs = new List<JobView>();
            for (var i = 0; i < 10; i++)
            {
                jobs.Add(await SubmitAsync(store, first, $"job {i}"));
            }

            first.Start();
            second.Start();
            second.Wake();
            foreach (var job in jobs)
            {
                await WaitForAsync(store, job.Id, j => j.State == JobState.Succeeded);
            }

            foreach (var job in jobs)
            {
                Assert.Equal(1, handler.Runs[job.Id]);
                var types = await TypesAsync(store, job.Id);
                Assert.Equal(1, types.Count(t => t == EventTypes.JobStarted));
                Assert.Equal(1, types.Count(t => t == EventTypes.JobSucceeded));
                Assert.Single(await OutputPackagesAsync(store, job.Id));
            }

            Assert.Empty(await store.Database.Views.ListJobLeasesAsync(CancellationToken.None));
            await store.AssertViewsMatchReplayAsync();
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_submission_wakes_an_idle_slot_without_waiting_for_the_poll_interval()
    {
        var handler = new Handler();
        var store = await OpenAsync(handler, pollInterval: TimeSpan.FromHours(1));
        try
        {
            await using var runner = store.JobRunner();
            runner.Start();
            // Both slots have looked for work, found none and wait: only a wake (or an hour) moves them now.
            await WaitUntilAsync(() => runner.IdleSlots == 2, "both slots to go idle");

            var first = await SubmitAsync(store, runner, "one");
            Assert.Equal(JobState.Succeeded, (await WaitForAsync(store, first.Id, j => j.State == JobState.Succeeded)).State);
            await WaitUntilAsync(() => runner.IdleSlots == 2, "both slots to go idle again");
            var second = await SubmitAsync(store, runner, "two");
            Assert.Equal(JobState.Succeeded, (await WaitForAsync(store, second.Id, j => j.State == JobState.Succeeded)).State);
            Assert.Equal(1, handler.Runs[second.Id]);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task a_slot_runs_its_next_job_while_the_previous_attempt_records_its_outcome_but_never_two_behind()
    {
        var handler = new Handler();
        var store = await OpenAsync(handler, slots: 1);
        try
        {
            // Queued before the runner starts, so the one slot finds each next job waiting when its command ends; a
            // millisecond apart on the clock, so that they are leased in this order.
            await using var submitter = store.JobRunner();
            var jobs = new List<JobView>();
            for (var i = 0; i < 3; i++)
            {
                jobs.Add(await SubmitAsync(store, submitter, $"job {i}"));
                store.Time.Advance(TimeSpan.FromMilliseconds(1));
            }

            var (first, second, third) = (jobs[0], jobs[1], jobs[2]);

            // The first attempt is held after its command ended, before it stores its output and records its outcome.
            var logs = new HoldingLogStore(store.Backend.JobLogs, first.Id);
            await using var runner = new JobRunner(store.Database, store.BlobReader, store.Packages, store.Options, store.JobsDirectory, logs, store.Time);
            runner.Start();

            try
            {
                // The slot went on: the second job ran and ended while the first is still running as far as the store knows.
                Assert.Equal(JobState.Succeeded, (await WaitForAsync(store, second.Id, j => j.State == JobState.Succeeded)).State);
                Assert.Equal(JobState.Running, (await store.Database.Views.GetJobAsync(first.Id, CancellationToken.None))!.State);

                // But it does not lease a third while the first has not recorded its outcome: one attempt finishing behind a running one, no more.
                await Task.Delay(TimeSpan.FromMilliseconds(300));
                Assert.Equal(JobState.Queued, (await store.Database.Views.GetJobAsync(third.Id, CancellationToken.None))!.State);
                Assert.False(handler.Runs.ContainsKey(third.Id));
            }
            finally
            {
                // Also when an assertion failed: a held attempt would keep the runner from stopping.
                logs.Release();
            }

            foreach (var job in jobs)
            {
                await WaitForAsync(store, job.Id, j => j.State == JobState.Succeeded);
                Assert.Equal([EventTypes.JobSubmitted, EventTypes.JobStarted, EventTypes.JobSucceeded], await TypesAsync(store, job.Id));
                Assert.Single(await OutputPackagesAsync(store, job.Id));
                Assert.Equal(1, handler.Runs[job.Id]);
            }

            // In the log the second job started before the first one's outcome, which did not hold it up; the third after it.
            var events = await store.Database.ReadEventsAsync(0, 1000, CancellationToken.None).ToListAsync();
            long SeqOf(JobView job, string type) => events.Single(e => e.Stream == EventTypes.JobStream(job.Id) && e.Type == type).Seq;
            Assert.True(SeqOf(second, EventTypes.JobStarted) < SeqOf(first, EventTypes.JobSucceeded));
            Assert.True(SeqOf(third, EventTypes.JobStarted) > SeqOf(first, EventTypes.JobSucceeded));

            // Each working directory was removed (or emptied and kept as a spare, docs/jobs.md) before its outcome was recorded.
            await WaitUntilAsync(() => runner.RunningCount == 0, "the attempts to end");
            Assert.All(Directory.EnumerateFileSystemEntries(store.JobsDirectory), entry => Assert.StartsWith(".spare-", Path.GetFileName(entry), StringComparison.Ordinal));
            Assert.Empty(await store.Database.Views.ListJobLeasesAsync(CancellationToken.None));
            await store.AssertViewsMatchReplayAsync();
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task the_job_list_filters_by_state_and_type_and_pages_newest_first_with_a_cursor()
    {
        var store = await OpenAsync(new Handler());
        try
        {
            // Never started: the jobs stay queued.
            await using var runner = store.JobRunner();
            var submitted = new List<Guid>();
            for (var i = 0; i < 3; i++)
            {
                submitted.Add((await SubmitAsync(store, runner, $"job {i}")).Id);
            }

            var views = store.Database.Views;
            var newestFirst = submitted.OrderByDescending(id => id).ToArray();
            Assert.Equal(newestFirst, (await views.ListJobsAsync(new JobQuery(JobState.Queued, Type, null, 10), CancellationToken.None)).Items.Select(j => j.Id));
            Assert.Empty((await views.ListJobsAsync(new JobQuery(JobState.Succeeded, null, null, 10), CancellationToken.None)).Items);
            Assert.Empty((await views.ListJobsAsync(new JobQuery(null, "other", null, 10), CancellationToken.None)).Items);

            var first = await views.ListJobsAsync(new JobQuery(null, null, null, 2), CancellationToken.None);
            Assert.Equal(newestFirst[..2], first.Items.Select(j => j.Id));
            Assert.Equal(newestFirst[1], first.Next);
            var rest = await views.ListJobsAsync(new JobQuery(null, null, first.Next, 2), CancellationToken.None);
            Assert.Equal(newestFirst[2..], rest.Items.Select(j => j.Id));
            Assert.Null(rest.Next);
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    private Task<TestStore> OpenAsync(Handler handler, Func<JobType, JobType>? configure = null, int slots = 2, TimeSpan? pollInterval = null)
    {
        var type = (configure ?? (t => t))(new JobType(Type) { Handler = handler, MaxAttempts = 2, Backoff = TimeSpan.FromSeconds(10) });
        return TestStore.OpenAsync(fixture, directory => TestStore.WithShortClass(directory) with
        {
            Jobs = new JobOptions
            {
                Slots = slots,
                LeaseDuration = Lease,
                PollInterval = pollInterval ?? TimeSpan.FromMilliseconds(25),
                Types = new Dictionary<string, JobType>(StringComparer.Ordinal) { [Type] = type },
            },
        });
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"waited 30 s for {what}");
            await Task.Delay(10);
        }
    }

    private static async Task<JobView> SubmitAsync(TestStore store, JobRunner runner, string input)
    {
        var service = new JobService(store.Database, store.Packages, runner, store.Options, store.Time);
        await using var upload = store.Packages.BeginUpload();
        Assert.Null(await upload.AddFileAsync("input.txt", "text/plain", new MemoryStream(Encoding.UTF8.GetBytes(input)), CancellationToken.None));
        var submitted = await service.SubmitAsync(new JobSubmission(Type, null, upload, null), "tester", null, CancellationToken.None);
        Assert.True(submitted.IsSuccess, submitted.Error?.ToString());
        return submitted.Value.Job;
    }

    /// <summary>Records, through the port, what a worker of another process does when it leases the job; that worker then stops.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task recovery_kills_the_process_group_on_a_lapsed_lease_only_where_its_holder_ran(bool sameProcessSpace)
    {
        // A real group, standing for what the lease's holder started; its number is only meaningful in the holder's process space.
        using var group = Process.Start(new ProcessStartInfo(ProcessGroups.SetSid!, ["sleep", "120"]))!;
        var store = await OpenAsync(new Handler());
        try
        {
            Guid jobId;
            await using (var before = store.JobRunner())
            {
                jobId = (await SubmitAsync(store, before, "left running")).Id;
            }

            var owner = sameProcessSpace ? InstanceIds.New() : $"other-host:{group.Id}:0123456789ab:{Guid.NewGuid():N}";
            await LeaseElsewhereAsync(store, jobId, owner, group.Id);
            store.Time.Advance(Lease);
            await using var runner = store.JobRunner();
            Assert.Equal(1, await runner.RecoverAsync(CancellationToken.None));

            // The kill, when there is one, was sent before RecoverAsync returned.
            Assert.Equal(sameProcessSpace, group.WaitForExit(TimeSpan.FromSeconds(sameProcessSpace ? 10 : 1)));
        }
        finally
        {
            group.Kill(entireProcessTree: true);
            await store.DisposeAsync();
        }
    }

    private static async Task LeaseElsewhereAsync(TestStore store, Guid jobId, string owner = "elsewhere", int? processGroup = null)
    {
        var leased = await store.Database.WriteAsync<bool>(async (writer, ct) =>
        {
            var job = await writer.NextQueuedJobAsync(writer.Now, [Type], ct);
            Assert.Equal(jobId, job?.Id);
            await writer.AppendAsync(new NewEvent(EventTypes.JobStream(jobId), EventTypes.JobStarted, "system:jobs",
                new JobStarted(jobId, 1, owner).ToCbor()), ct);
            await writer.PutJobLeaseAsync(new JobLease(jobId, owner, 1, writer.Now + Lease, processGroup), ct);
            return true;
        }, CancellationToken.None);
        Assert.True(leased.IsSuccess);
    }

    private static async Task<JobView> WaitForAsync(TestStore store, Guid jobId, Func<JobView, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var job = await store.Database.Views.GetJobAsync(jobId, CancellationToken.None);
            if (job is not null && condition(job))
            {
                return job;
            }

            Assert.True(DateTime.UtcNow < deadline, $"job {jobId} is still {job?.State} after 30 s");
            await Task.Delay(20);
        }
    }

    private static async Task WaitUntilGoneAsync(string directory)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Directory.Exists(directory))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the working directory {directory} is still there 10 s after the job succeeded");
            await Task.Delay(20);
        }
    }

    /// <summary>Moves the store's clock by <paramref name="total"/> in steps, letting timers that fire run between steps.</summary>
    private static async Task AdvanceAsync(TestStore store, TimeSpan total, TimeSpan step)
    {
        for (var moved = TimeSpan.Zero; moved < total; moved += step)
        {
            store.Time.Advance(step);
            await Task.Delay(30);
        }
    }

    private static async Task<JobView> AdvanceUntilAsync(TestStore store, TimeSpan step, Guid jobId, Func<JobView, bool> condition)
    {
        for (var i = 0; i < 200; i++)
        {
            var job = await store.Database.Views.GetJobAsync(jobId, CancellationToken.None);
            if (job is not null && condition(job))
            {
                return job;
            }

            store.Time.Advance(step);
            await Task.Delay(30);
        }

        return await WaitForAsync(store, jobId, condition);
    }

    private static async Task<List<string>> TypesAsync(TestStore store, Guid jobId) =>
        await store.Database.ReadStreamAsync(EventTypes.JobStream(jobId), CancellationToken.None).Select(e => e.Type).ToListAsync();

    private static async Task<IReadOnlyList<PackageView>> OutputPackagesAsync(TestStore store, Guid jobId) =>
        (await store.Packages.ListAsync(new PackageQuery($"jobs/{jobId}/output", [], PackageState.Live, null, 100), CancellationToken.None)).Items;

    private static CborMap Map(EventRecord record) => (CborMap)Cbor.Decode(record.Payload);

    private static async Task<string> ReadAsync(TestStore store, PackageFile file)
    {
        await using var blob = (await store.BlobReader.OpenAsync(file.Sha256, file.Size, needRandomAccess: false, CancellationToken.None)).Value;
        using var text = new StreamReader(blob.Stream);
        return await text.ReadToEndAsync();
    }

    /// <summary>Upper-cases the input into <c>artifacts/out.txt</c>, counting its runs per job.</summary>
    private sealed class Handler : IJobHandler
    {
        public ConcurrentDictionary<Guid, int> Runs { get; } = new();

        public Func<int, int> ExitCode { get; init; } = _ => 0;

        public Func<CancellationToken, Task>? Body { get; init; }

        public async Task<int> RunAsync(JobContext context, CancellationToken cancellationToken)
        {
            Runs.AddOrUpdate(context.JobId, 1, (_, n) => n + 1);
            if (Body is not null)
            {
                await Body(cancellationToken);
            }

            var input = await File.ReadAllTextAsync(context.InputPath, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(context.OutputDirectory, "out.txt"), input.ToUpperInvariant(), cancellationToken);
            return ExitCode(context.Attempt);
        }
    }

    /// <summary>
    /// The backend's job logs, except that the line a runner writes when an attempt of <c>held</c> has ended waits
    /// until <see cref="Release"/>: that attempt is held between its command and its outcome.
    /// </summary>
    private sealed class HoldingLogStore(IJobLogStore inner, Guid held) : IJobLogStore
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _released.TrySetResult();

        public async Task<Stream> OpenAppendAsync(Guid jobId, CancellationToken cancellationToken)
        {
            var stream = await inner.OpenAppendAsync(jobId, cancellationToken);
            return jobId == held ? new HoldingStream(stream, _released.Task) : stream;
        }

        public Task<long> CopyFromAsync(Guid jobId, long offset, Stream target, CancellationToken cancellationToken) =>
            inner.CopyFromAsync(jobId, offset, target, cancellationToken);

        public Task ForgetAsync(Guid jobId, CancellationToken cancellationToken) => inner.ForgetAsync(jobId, cancellationToken);
    }

    /// <summary>A log stream whose line saying that the attempt ended waits for <c>released</c>.</summary>
    private sealed class HoldingStream(Stream inner, Task released) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Encoding.UTF8.GetString(buffer.Span).Contains(" ended: ", StringComparison.Ordinal))
            {
                await released;
            }

            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Flush() => inner.Flush();

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
