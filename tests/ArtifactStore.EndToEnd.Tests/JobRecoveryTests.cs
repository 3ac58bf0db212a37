using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>Jobs across crashes and restarts: recovery, idempotent submission, retention (docs/jobs.md).</summary>
public sealed class JobRecoveryTests
{
    [Fact]
    public async Task killing_the_server_while_jobs_run_never_loses_or_doubles_a_job_and_frees_every_slot()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var marker = "as-crash-" + Guid.NewGuid().ToString("N")[..12];
        const int slots = 3;
        var config = JobTests.Config(temp, new()
        {
            ["fast"] = JobTests.Sh("cp \"$ARTIFACTSTORE_INPUT\" \"$ARTIFACTSTORE_OUTPUT_DIR/copy.bin\"", new() { ["MaxAttempts"] = 50, ["Backoff"] = "00:00:00" }),
            // The marker argument lets the test find leftover processes afterwards.
            ["slow"] = new Dictionary<string, object>
            {
                ["Command"] = new[] { "sh", "-c", "sleep 0.$(( $(od -An -N1 -tu1 /dev/urandom) % 9 + 1 )); sleep 0.7; cp \"$ARTIFACTSTORE_INPUT\" \"$1/copy.bin\"", marker, "{output_dir}" },
                ["MaxAttempts"] = 50,
                ["Backoff"] = "00:00:00",
            },
        }, slots: slots);

        var submitted = new ConcurrentDictionary<string, byte[]>();
        var random = new Random(20261122);
        for (var iteration = 0; iteration < 20; iteration++)
        {
            await using var server = await ServerProcess.StartAsync(root, config);
            using var stop = new CancellationTokenSource();
            var submitters = Enumerable.Range(0, 2).Select(s => Task.Run(async () =>
            {
                var local = new Random((iteration * 7) + s);
                while (!stop.IsCancellationRequested)
                {
                    var input = new byte[local.Next(1, 64 * 1024)];
                    local.NextBytes(input);
                    try
                    {
                        var (status, body) = await JobApi.SubmitAsync(server.Http, local.Next(3) == 0 ? "fast" : "slow", input);
                        if (status == HttpStatusCode.Accepted)
                        {
                            submitted[body.GetProperty("id").GetString()!] = input;
                        }

                        await Task.Delay(local.Next(20, 150));
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
                    {
                        return; // the server is gone
                    }
                }
            })).ToArray();

            await Task.Delay(random.Next(300, 2000));
            await server.KillServerOnlyAsync();
            await stop.CancelAsync();
            await Task.WhenAll(submitters);
        }

        Assert.True(submitted.Count >= 40, $"only {submitted.Count} jobs were acknowledged; the test did not exercise much");

        await using (var final = await ServerProcess.StartAsync(root, config))
        {
            // Every acknowledged job ends, with its own input copied into exactly one output package.
            foreach (var (id, input) in submitted)
            {
                var job = await JobApi.WaitAsync(final.Http, id, TimeSpan.FromSeconds(120));
                Assert.Equal("succeeded", JobApi.State(job));
                Assert.Equal(input, await Api.DownloadAsync(final.Http, job.GetProperty("output_package_id").GetString()!, "artifacts/copy.bin"));
            }

            // All slots work again: as many slow jobs run at once as there are slots.
            var probes = new List<string>();
            for (var i = 0; i < slots * 2; i++)
            {
                probes.Add(await JobApi.SubmitOkAsync(final.Http, "slow", [(byte)i]));
            }

            var most = 0;
            for (var i = 0; i < 100 && most < slots; i++)
            {
                var (_, running) = await Api.GetJsonAsync(final.Http, "v1/jobs?state=running");
                most = Math.Max(most, running.GetProperty("items").GetArrayLength());
                await Task.Delay(50);
            }

            Assert.Equal(slots, most);
            foreach (var probe in probes)
            {
                Assert.Equal("succeeded", JobApi.State(await JobApi.WaitAsync(final.Http, probe, TimeSpan.FromSeconds(60))));
            }

            Assert.Equal(0, await final.StopAsync());
        }

        // In the log: one terminal event and at most one output package per job; nothing left running or on disk.
        Assert.Equal(0, StoreFiles.Scalar(root, """
            SELECT COUNT(*) FROM (SELECT stream FROM events WHERE type IN ('v1.job.succeeded', 'v1.job.failed', 'v1.job.canceled')
            GROUP BY stream HAVING COUNT(*) <> 1)
            """));
        Assert.Equal(0, StoreFiles.Scalar(root, "SELECT COUNT(*) FROM jobs WHERE state <> 'succeeded'"));
        Assert.Equal(0, StoreFiles.Scalar(root, "SELECT COUNT(*) FROM (SELECT name FROM packages WHERE name LIKE 'jobs/%/output' GROUP BY name HAVING COUNT(*) > 1)"));
        Assert.Equal(StoreFiles.Scalar(root, "SELECT COUNT(*) FROM jobs"), StoreFiles.Scalar(root, "SELECT COUNT(*) FROM packages WHERE name LIKE 'jobs/%/output'"));
        Assert.True(StoreFiles.Scalar(root, "SELECT COUNT(*) FROM events WHERE type = 'v1.job.requeued'") > 0, "no job was ever interrupted; the test did not exercise recovery");
        Assert.Equal(0, StoreFiles.Scalar(root, "SELECT COUNT(*) FROM job_leases"));
        JobApi.AssertNoJobDirectories(root);
        Assert.Empty(ProcessesWith(marker));
        await StoreFiles.AssertViewsEqualReplayAsync(root);

        // fsck agrees: no damage (4 would mean only unreferenced bytes from interrupted writes, which GC removes).
        var (fsck, report, errors) = await Cli.RunAsync(["fsck", "--data-root", root]);
        Assert.True(fsck is 0 or 4, $"fsck exited {fsck}:\n{report}\n{errors}");
    }

    [Fact]
    public async Task a_command_left_running_by_a_killed_server_is_killed_at_restart_through_the_group_recorded_in_its_working_directory()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var pids = temp.Combine("pids");
        // A ten-minute lease: no heartbeat puts the group on the lease before the kill, so only the working directory records it.
        var config = StoreFiles.Config(temp, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["Jobs"] = new Dictionary<string, object>
            {
                ["Slots"] = 1,
                ["KillGracePeriod"] = "00:00:01",
                ["LeaseDuration"] = "00:10:00",
                ["Types"] = new Dictionary<string, object>
                {
                    ["long"] = JobTests.Sh($"echo $$ >> {pids}; sleep 60 & echo $! >> {pids}; wait", new() { ["MaxAttempts"] = 2 }),
                },
            },
        }));
        string id;
        IReadOnlyList<int> left;
        await using (var server = await ServerProcess.StartAsync(root, config))
        {
            id = await JobApi.SubmitOkAsync(server.Http, "long", [1]);
            await JobApi.WaitAsync(server.Http, id, null, "running");
            for (var i = 0; i < 200 && JobApi.Pids(pids).Count < 2; i++)
            {
                await Task.Delay(25);
            }

            left = JobApi.Pids(pids);
            Assert.Equal(2, left.Count);
            await server.KillServerOnlyAsync();
        }

        // The server is gone, the command and its child are not, and the database never learnt their group.
        Assert.All(left, pid => Assert.True(JobApi.IsAlive(pid), $"process {pid} of the job died with the server; the test exercises nothing"));
        Assert.Equal(1, StoreFiles.Scalar(root, $"SELECT COUNT(*) FROM job_leases WHERE job_id = '{id}' AND process_group IS NULL"));

        await using (var again = await ServerProcess.StartAsync(root, config))
        {
            // Recovery, before the server reported ready, killed the group and requeued the job, which runs again.
            await JobApi.AssertAllGoneAsync(left);
            var job = await JobApi.WaitAsync(again.Http, id, null, "running");
            Assert.Equal(2, job.GetProperty("attempts").GetInt32());
            var (status, canceled) = await Api.SendAsync(again.Http, HttpMethod.Post, $"v1/jobs/{id}/cancel");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("canceled", JobApi.State(canceled));
        }

        Assert.DoesNotContain(JobApi.Pids(pids), JobApi.IsAlive);
    }

    [Fact]
    public async Task an_idempotency_key_returns_the_same_job_across_a_restart_and_refuses_other_input()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var config = JobTests.Config(temp, new() { ["noop"] = JobTests.Sh("true") });
        var input = Encoding.UTF8.GetBytes("same input");
        string id;
        await using (var server = await ServerProcess.StartAsync(root, config))
        {
            var (status, body) = await JobApi.SubmitAsync(server.Http, "noop", input, idempotencyKey: "key-1");
            Assert.Equal(HttpStatusCode.Accepted, status);
            id = body.GetProperty("id").GetString()!;
            await server.KillAsync();
        }

        await using (var again = await ServerProcess.StartAsync(root, config))
        {
            var (status, body) = await JobApi.SubmitAsync(again.Http, "noop", input, idempotencyKey: "key-1");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(id, body.GetProperty("id").GetString());

            var (other, problem) = await JobApi.SubmitAsync(again.Http, "noop", Encoding.UTF8.GetBytes("other input"), idempotencyKey: "key-1");
            Assert.Equal(HttpStatusCode.UnprocessableEntity, other);
            Assert.Equal("idempotency_key_reused", problem.GetProperty("code").GetString());

            var (otherOptions, _) = await JobApi.SubmitAsync(again.Http, "noop", input, options: """{"x":1}""", idempotencyKey: "key-1");
            Assert.Equal(HttpStatusCode.UnprocessableEntity, otherOptions);

            // Concurrent submissions with one new key create exactly one job; the others are replays or told to retry.
            var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => JobApi.SubmitAsync(again.Http, "noop", input, idempotencyKey: "key-2")));
            Assert.All(answers, a => Assert.Contains(a.Status, new[] { HttpStatusCode.Accepted, HttpStatusCode.OK, HttpStatusCode.Conflict }));
            Assert.Single(answers, a => a.Status == HttpStatusCode.Accepted);
            var ids = answers.Where(a => a.Status != HttpStatusCode.Conflict).Select(a => a.Body.GetProperty("id").GetString()).Distinct().ToList();
            Assert.Single(ids);
            Assert.All(answers.Where(a => a.Status == HttpStatusCode.Conflict), a => Assert.Equal("idempotency_request_in_progress", a.Body.GetProperty("code").GetString()));
            Assert.Equal(2, StoreFiles.Scalar(root, "SELECT COUNT(*) FROM jobs"));
        }
    }

    [Fact]
    public async Task the_raw_input_expires_before_the_output_and_a_pinned_job_survives_what_deletes_an_unpinned_one()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var config = JobTests.Config(temp, new()
        {
            ["copy"] = JobTests.Sh("cp \"$ARTIFACTSTORE_INPUT\" \"$ARTIFACTSTORE_OUTPUT_DIR/copy.bin\"", new() { ["InputClass"] = "short-input", ["OutputClass"] = "short-output" }),
        }, extra: new()
        {
            ["Tombstones"] = new Dictionary<string, object> { ["Retention"] = "00:00:01" },
            ["Retention"] = new Dictionary<string, object>
            {
                ["Classes"] = new Dictionary<string, object>
                {
                    ["short-input"] = new Dictionary<string, object> { ["Duration"] = "00:00:02" },
                    ["short-output"] = new Dictionary<string, object> { ["Duration"] = "00:00:05" },
                },
            },
        });
        await using var server = await ServerProcess.StartAsync(root, config);

        var pinned = await JobApi.SubmitOkAsync(server.Http, "copy", [1]);
        var plain = await JobApi.SubmitOkAsync(server.Http, "copy", [2]);
        var pinnedJob = await JobApi.WaitAsync(server.Http, pinned);
        var plainJob = await JobApi.WaitAsync(server.Http, plain);
        var (pinStatus, afterPin) = await Api.SendAsync(server.Http, HttpMethod.Post, $"v1/jobs/{pinned}/pin", json: new { reason = "evidence for the release" });
        Assert.Equal(HttpStatusCode.OK, pinStatus);
        Assert.True(afterPin.GetProperty("pinned").GetBoolean());

        // After the input class ran out: the unpinned job's input is gone, its output and record stay.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        await SweepAndCollectAsync(server);
        Assert.Equal("package_expired", await ProblemCodeAsync(server, $"v1/packages/{plainJob.GetProperty("input_package_id").GetString()}"));
        await AssertLiveAsync(server, plainJob.GetProperty("output_package_id").GetString()!);
        Assert.Equal("succeeded", JobApi.State(await JobApi.GetAsync(server.Http, plain)));

        // After the output class ran out: the unpinned job is a tombstone, the pinned one is whole.
        await Task.Delay(TimeSpan.FromSeconds(3));
        await SweepAndCollectAsync(server);
        var (expired, tombstone) = await Api.GetJsonAsync(server.Http, $"v1/jobs/{plain}");
        Assert.Equal(HttpStatusCode.NotFound, expired);
        Assert.Equal("job_expired", tombstone.GetProperty("code").GetString());
        Assert.Equal(plain, tombstone.GetProperty("tombstone").GetProperty("id").GetString());
        Assert.Equal("package_expired", await ProblemCodeAsync(server, $"v1/packages/{plainJob.GetProperty("output_package_id").GetString()}"));
        Assert.Equal("job_not_found", await ProblemCodeAsync(server, $"v1/jobs/{Guid.NewGuid()}"));

        Assert.Equal("succeeded", JobApi.State(await JobApi.GetAsync(server.Http, pinned)));
        await AssertLiveAsync(server, pinnedJob.GetProperty("input_package_id").GetString()!);
        await AssertLiveAsync(server, pinnedJob.GetProperty("output_package_id").GetString()!);
        Assert.Equal([1], await Api.DownloadAsync(server.Http, pinnedJob.GetProperty("output_package_id").GetString()!, "artifacts/copy.bin"));

        // Unpinned, it goes the same way at the next sweep.
        var (unpinStatus, _) = await Api.SendAsync(server.Http, HttpMethod.Post, $"v1/jobs/{pinned}/unpin", json: new { reason = "release shipped" });
        Assert.Equal(HttpStatusCode.OK, unpinStatus);
        await SweepAndCollectAsync(server);
        Assert.Equal("job_expired", await ProblemCodeAsync(server, $"v1/jobs/{pinned}"));
        Assert.Equal("package_expired", await ProblemCodeAsync(server, $"v1/packages/{pinnedJob.GetProperty("output_package_id").GetString()}"));

        // Tombstones go after Tombstones:Retention: then the ids are simply unknown.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await SweepAndCollectAsync(server);
        Assert.Equal("job_not_found", await ProblemCodeAsync(server, $"v1/jobs/{pinned}"));
        Assert.Equal("job_not_found", await ProblemCodeAsync(server, $"v1/jobs/{plain}"));
    }

    [Fact]
    public async Task sigterm_lets_a_short_job_finish_and_requeues_a_long_one_then_exits_cleanly()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var pids = temp.Combine("pids");
        var config = JobTests.Config(temp, new()
        {
            ["short"] = JobTests.Sh("sleep 1; cp \"$ARTIFACTSTORE_INPUT\" \"$ARTIFACTSTORE_OUTPUT_DIR/copy.bin\""),
            ["long"] = JobTests.Sh($"echo $$ >> {pids}; exec sleep 60", new() { ["MaxAttempts"] = 2 }),
        }, extra: new() { ["Shutdown"] = new Dictionary<string, object> { ["GracePeriod"] = "00:00:06" } });
        string shortJob, longJob;
        await using (var server = await ServerProcess.StartAsync(root, config))
        {
            longJob = await JobApi.SubmitOkAsync(server.Http, "long", [1]);
            await JobApi.WaitAsync(server.Http, longJob, null, "running");
            shortJob = await JobApi.SubmitOkAsync(server.Http, "short", [2]);
            await JobApi.WaitAsync(server.Http, shortJob, null, "running");

            Assert.Equal(0, await server.StopAsync());
        }

        // The short job finished inside the grace period; the long one was stopped and requeued without losing an attempt.
        Assert.Equal(1, StoreFiles.Scalar(root, $"SELECT COUNT(*) FROM jobs WHERE id = '{shortJob}' AND state = 'succeeded'"));
        Assert.Equal(1, StoreFiles.Scalar(root, $"SELECT COUNT(*) FROM jobs WHERE id = '{longJob}' AND state = 'queued' AND attempts = 0"));
        Assert.Equal(0, StoreFiles.Scalar(root, "SELECT COUNT(*) FROM job_leases"));
        await JobApi.AssertAllGoneAsync(JobApi.Pids(pids));
        JobApi.AssertNoJobDirectories(root);

        await using (var again = await ServerProcess.StartAsync(root, config))
        {
            var job = await JobApi.WaitAsync(again.Http, longJob, null, "running");
            Assert.Equal(1, job.GetProperty("attempts").GetInt32());
            var (status, canceled) = await Api.SendAsync(again.Http, HttpMethod.Post, $"v1/jobs/{longJob}/cancel");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("canceled", JobApi.State(canceled));
        }
    }

    private static async Task SweepAndCollectAsync(ServerProcess server)
    {
        var (sweep, _) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/retention/sweep");
        Assert.Equal(HttpStatusCode.OK, sweep);
        var (gc, _) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/gc");
        Assert.Equal(HttpStatusCode.OK, gc);
    }

    private static async Task<string?> ProblemCodeAsync(ServerProcess server, string path)
    {
        var (status, body) = await Api.GetJsonAsync(server.Http, path);
        Assert.Equal(HttpStatusCode.NotFound, status);
        return body.GetProperty("code").GetString();
    }

    private static async Task AssertLiveAsync(ServerProcess server, string packageId)
    {
        var (status, body) = await Api.GetJsonAsync(server.Http, $"v1/packages/{packageId}");
        Assert.True(status == HttpStatusCode.OK, $"package {packageId}: {(int)status} {body}");
    }

    private static List<int> ProcessesWith(string marker) =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && JobApi.IsAlive(pid))
            .Where(pid =>
            {
                try
                {
                    return File.ReadAllText($"/proc/{pid}/cmdline").Contains(marker, StringComparison.Ordinal);
                }
                catch (IOException)
                {
                    return false;
                }
            })
            .ToList();
}
