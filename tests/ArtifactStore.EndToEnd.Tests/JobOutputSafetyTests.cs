using System.Diagnostics;
using System.Net;
using System.Text;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// Jobs whose commands leave special files in their output, or hold on after being stopped, on a real
/// server (docs/jobs.md, "Outcomes" and "Stopping"): the output is refused without opening what is not
/// a regular file, the worker is free for the next job, and cancel and SIGTERM end within their grace
/// periods whatever the attempt is doing.
/// </summary>
public sealed class JobOutputSafetyTests
{
    // Jobs:KillGracePeriod in JobTests.Config, and JobRunner.StopMargin: a stopped attempt has ended by then.
    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StopDeadline = KillGrace + TimeSpan.FromSeconds(2);

    // Process start-up and teardown, HTTP and polling on a busy two-core machine.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(1.5);

    [Fact]
    public async Task a_fifo_in_the_output_fails_the_job_naming_it_and_the_worker_takes_the_next_job()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var config = JobTests.Config(temp, new()
        {
            ["fifo"] = JobTests.Sh("""echo text > "$ARTIFACTSTORE_OUTPUT_DIR/a.txt"; mkdir "$ARTIFACTSTORE_OUTPUT_DIR/sub"; mkfifo "$ARTIFACTSTORE_OUTPUT_DIR/sub/pipe" """),
            ["ok"] = JobTests.Sh("""echo fine > "$ARTIFACTSTORE_OUTPUT_DIR/ok.txt" """),
        }, slots: 1);
        await using var server = await ServerProcess.StartAsync(root, config);

        var fifo = await JobApi.SubmitOkAsync(server.Http, "fifo", [1]);
        var failed = await JobApi.WaitAsync(server.Http, fifo, TimeSpan.FromSeconds(30));

        Assert.Equal("failed", JobApi.State(failed));
        Assert.Equal("output_rejected", failed.GetProperty("error").GetProperty("code").GetString());
        var message = failed.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Contains("artifacts/sub/pipe", message, StringComparison.Ordinal);
        Assert.Contains("FIFO", message, StringComparison.Ordinal);

        // The only slot is free again: the next job runs and succeeds.
        var next = await JobApi.SubmitOkAsync(server.Http, "ok", [2]);
        var succeeded = await JobApi.WaitAsync(server.Http, next, TimeSpan.FromSeconds(30));
        Assert.Equal("succeeded", JobApi.State(succeeded));
        Assert.Equal("fine\n", Encoding.UTF8.GetString(await Api.DownloadAsync(server.Http, succeeded.GetProperty("output_package_id").GetString()!, "artifacts/ok.txt")));
        JobApi.AssertNoJobDirectories(root);
    }

    [Fact]
    public async Task a_character_device_in_the_output_is_rejected_and_never_read()
    {
        using var temp = new TempDirectory();
        var config = JobTests.Config(temp, new()
        {
            // 1,5 is /dev/zero: read, it never ends (the tests run as root, who may mknod).
            ["device"] = JobTests.Sh("""mknod "$ARTIFACTSTORE_OUTPUT_DIR/zero" c 1 5 && ls -l "$ARTIFACTSTORE_OUTPUT_DIR" """),
        }, slots: 1);
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"), config);

        var id = await JobApi.SubmitOkAsync(server.Http, "device", [1]);
        var job = await JobApi.WaitAsync(server.Http, id, TimeSpan.FromSeconds(30));

        Assert.Equal("failed", JobApi.State(job));
        Assert.Equal(0, job.GetProperty("exit_code").GetInt32());
        Assert.Equal("output_rejected", job.GetProperty("error").GetProperty("code").GetString());
        var message = job.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Contains("artifacts/zero is a character device", message, StringComparison.Ordinal);

        // Nothing was staged from it: no upload was left half-read, no blob grew towards the upload limit.
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(temp.Combine("root"), "tmp")));
        Assert.True(StoreFiles.BlobBytes(temp.Combine("root")) < 1024 * 1024, "only the input and the log are stored");
    }

    [Fact]
    public async Task cancel_ends_an_attempt_that_will_not_end_by_itself_within_the_kill_grace_period()
    {
        using var temp = new TempDirectory();
        var holder = temp.Combine("holder");
        var config = JobTests.Config(temp, new()
        {
            // Ignores TERM, and leaves a process outside its group that holds its output pipes open.
            ["stuck"] = JobTests.Sh(HoldPipes(holder)),
            ["ok"] = JobTests.Sh("""echo fine > "$ARTIFACTSTORE_OUTPUT_DIR/ok.txt" """),
        }, slots: 1);
        try
        {
            await using var server = await ServerProcess.StartAsync(temp.Combine("root"), config);
            var id = await JobApi.SubmitOkAsync(server.Http, "stuck", [1]);
            await JobApi.WaitAsync(server.Http, id, null, "running");
            await WaitForFileAsync(holder);

            var clock = Stopwatch.StartNew();
            var (status, canceled) = await Api.SendAsync(server.Http, HttpMethod.Post, $"v1/jobs/{id}/cancel");
            clock.Stop();

            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("canceled", JobApi.State(canceled));
            Assert.True(clock.Elapsed < StopDeadline + Slack, $"cancel took {clock.Elapsed}, more than the kill grace period and the stop margin");
            Assert.Equal("canceled", JobApi.State(await JobApi.GetAsync(server.Http, id)));

            // The only slot is free again.
            var next = await JobApi.SubmitOkAsync(server.Http, "ok", [2]);
            Assert.Equal("succeeded", JobApi.State(await JobApi.WaitAsync(server.Http, next, TimeSpan.FromSeconds(30))));
        }
        finally
        {
            KillHolder(holder);
        }
    }

    [Fact]
    public async Task sigterm_while_an_attempt_will_not_end_exits_0_within_the_shutdown_grace_period_and_requeues_the_job()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var holder = temp.Combine("holder");
        var shutdownGrace = TimeSpan.FromSeconds(4);
        var config = JobTests.Config(temp, new() { ["stuck"] = JobTests.Sh(HoldPipes(holder)) }, slots: 1,
            extra: new() { ["Shutdown"] = new Dictionary<string, object> { ["GracePeriod"] = "00:00:04" } });
        try
        {
            await using (var server = await ServerProcess.StartAsync(root, config))
            {
                var id = await JobApi.SubmitOkAsync(server.Http, "stuck", [1]);
                await JobApi.WaitAsync(server.Http, id, null, "running");
                await WaitForFileAsync(holder);

                var clock = Stopwatch.StartNew();
                await server.SignalTerminateAsync();
                var exit = await server.WaitForExitAsync();
                clock.Stop();

                Assert.Equal(0, exit);
                Assert.True(clock.Elapsed < shutdownGrace + Slack, $"the server took {clock.Elapsed} to exit after SIGTERM\n{server.Output}");
            }

            // The attempt was given back (reason shutdown, not counted), so the job is queued for the next start.
            Assert.Equal(1L, StoreFiles.Scalar(root, "SELECT COUNT(*) FROM jobs WHERE state = 'queued'"));
            Assert.Equal(0L, StoreFiles.Scalar(root, "SELECT MAX(attempts) FROM jobs"));
        }
        finally
        {
            KillHolder(holder);
        }
    }

    /// <summary>
    /// A command that ignores SIGTERM and starts a process in a session of its own (so outside the
    /// group the runner kills) that keeps the command's stdout and stderr open; its pid goes to <paramref name="holder"/>.
    /// </summary>
    private static string HoldPipes(string holder) =>
        $"trap '' TERM; (setsid sleep 300 & echo $! > {holder}); while true; do sleep 1; done";

    private static async Task WaitForFileAsync(string path)
    {
        for (var i = 0; i < 200 && JobApi.Pids(path).Count == 0; i++)
        {
            await Task.Delay(50);
        }

        Assert.NotEmpty(JobApi.Pids(path));
    }

    private static void KillHolder(string holder)
    {
        foreach (var pid in JobApi.Pids(holder))
        {
            try
            {
                Process.GetProcessById(pid).Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // Already gone.
            }
        }
    }
}
