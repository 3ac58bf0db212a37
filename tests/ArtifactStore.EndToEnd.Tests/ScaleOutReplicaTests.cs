using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// Several replica processes on one scale-out store (PostgreSQL + S3, issue 10): what each guarantee of the
/// embedded store becomes when any replica may serve any request and any replica may die (docs/postgres.md).
/// </summary>
public sealed class ScaleOutReplicaTests
{
    /// <summary>Short retention and no grace, so that sweeps and GC have work; jobs lease for 3 s, so a dead replica's jobs move soon.</summary>
    private static string Config(TempDirectory temp) => JobTests.Config(temp, new()
    {
        ["copy"] = JobTests.Sh("cp \"$ARTIFACTSTORE_INPUT\" \"$ARTIFACTSTORE_OUTPUT_DIR/copy.bin\"", new() { ["MaxAttempts"] = 50, ["Backoff"] = "00:00:00" }),
        ["slow"] = JobTests.Sh("echo working; sleep 6; echo done; cp \"$ARTIFACTSTORE_INPUT\" \"$ARTIFACTSTORE_OUTPUT_DIR/copy.bin\"", new() { ["MaxAttempts"] = 3, ["Backoff"] = "00:00:00" }),
    }, slots: 2, extra: new()
    {
        ["Retention"] = new Dictionary<string, object> { ["Classes"] = new Dictionary<string, object> { ["short"] = new Dictionary<string, object> { ["Duration"] = "00:00:01" } }, ["SweepInterval"] = "1.00:00:00" },
        ["Gc"] = new Dictionary<string, object> { ["BlobGracePeriod"] = "00:00:00", ["Interval"] = "1.00:00:00" },
    });

    [Fact]
    public async Task three_replicas_under_load_with_kill_9_keep_every_acknowledged_package_and_run_every_job_once()
    {
        using var temp = new TempDirectory();
        await using var store = await ScaleOutStore.CreateAsync();
        var config = Config(temp);
        var replicas = new ServerProcess[3];
        try
        {
            for (var i = 0; i < replicas.Length; i++)
            {
                replicas[i] = await store.StartReplicaAsync(temp.Combine($"replica{i}"), config);
            }

            await RunUnderLoadAsync(store, temp, config, replicas);
        }
        finally
        {
            // Never leave a replica running: a failed assertion must not leak processes.
            foreach (var replica in replicas.Where(r => r is not null))
            {
                await replica.DisposeAsync();
            }
        }
    }

    private static async Task RunUnderLoadAsync(ScaleOutStore store, TempDirectory temp, string config, ServerProcess[] replicas)
    {

        // Contents shared between packages, so that GC condemns blobs that later uploads bring back.
        var contents = Enumerable.Range(0, 8).Select(i => GcUnderLoadTests.Bytes(i, 512 * (1 + (i * 30)))).ToArray();
        var sent = new ConcurrentDictionary<string, int[]>(); // package name → contents, acknowledged or not
        var acknowledged = new ConcurrentDictionary<string, (string Name, bool Short)>();
        var jobs = new ConcurrentDictionary<string, byte[]>();
        var counters = new int[4]; // uploads, downloads, retention actions, gc runs
        var random = new Random(20261130);
        using var stop = new CancellationTokenSource();

        HttpClient Any(Random r)
        {
            lock (replicas)
            {
                return replicas[r.Next(replicas.Length)].Http;
            }
        }

        async Task LoopAsync(int seed, Func<Random, Task> step)
        {
            var r = new Random(seed);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await step(r);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or ObjectDisposedException)
                {
                    // The replica died under the request (or was being replaced): nothing is known of it; go on elsewhere.
                    await Task.Delay(20);
                }
            }
        }

        var uploaded = 0;
        var workers = new List<Task>();
        for (var u = 0; u < 3; u++)
        {
            var uploader = u;
            workers.Add(LoopAsync(100 + u, async r =>
            {
                var name = $"load/{uploader}/{Interlocked.Increment(ref uploaded)}";
                var picked = Enumerable.Range(0, r.Next(1, 3)).Select(_ => r.Next(contents.Length)).Distinct().ToArray();
                var isShort = r.Next(3) == 0;
                sent[name] = picked;
                var form = Api.Form(name, picked.Select(c => ($"c{c}.bin", (HttpContent)new ByteArrayContent(contents[c]))), "retention_class", isShort ? "short" : "standard");
                var (status, body) = await Api.PostPackageAsync(Any(r), form);
                if (status == HttpStatusCode.Created)
                {
                    acknowledged[body.GetProperty("id").GetString()!] = (name, isShort);
                    Interlocked.Increment(ref counters[0]);
                }
            }));
        }

        workers.Add(LoopAsync(200, async r =>
        {
            var standard = acknowledged.Where(p => !p.Value.Short).Select(p => p.Key).ToArray();
            if (standard.Length == 0)
            {
                await Task.Delay(50);
                return;
            }

            var id = standard[r.Next(standard.Length)];
            var c = sent[acknowledged[id].Name][0];
            Assert.Equal(contents[c], await Api.DownloadAsync(Any(r), id, $"c{c}.bin"));
            Interlocked.Increment(ref counters[1]);
        }));
        workers.Add(LoopAsync(300, async r =>
        {
            var standard = acknowledged.Where(p => !p.Value.Short).Select(p => p.Key).ToArray();
            if (standard.Length == 0)
            {
                await Task.Delay(50);
                return;
            }

            // Holds and pins only ever keep a package: nothing acknowledged as standard may disappear.
            var id = standard[r.Next(standard.Length)];
            var (status, _) = r.Next(2) == 0
                ? await Api.SendAsync(Any(r), HttpMethod.Post, $"v1/packages/{id}/retention/holds", json: new { reason = "load test" })
                : await Api.SendAsync(Any(r), HttpMethod.Post, $"v1/packages/{id}/retention/pin", json: new { reason = "load test" });
            if (status is HttpStatusCode.OK or HttpStatusCode.Created)
            {
                Interlocked.Increment(ref counters[2]);
            }

            await Task.Delay(100);
        }));
        workers.Add(LoopAsync(400, async r =>
        {
            var input = new byte[r.Next(1, 32 * 1024)];
            r.NextBytes(input);
            var (status, body) = await JobApi.SubmitAsync(Any(r), "copy", input);
            if (status == HttpStatusCode.Accepted)
            {
                jobs[body.GetProperty("id").GetString()!] = input;
            }

            await Task.Delay(r.Next(50, 200));
        }));
        workers.Add(LoopAsync(500, async r =>
        {
            await Api.SendAsync(Any(r), HttpMethod.Post, "v1/admin/retention/sweep");
            var (status, _) = await Api.SendAsync(Any(r), HttpMethod.Post, "v1/admin/gc");
            if (status == HttpStatusCode.OK)
            {
                Interlocked.Increment(ref counters[3]);
            }

            await Task.Delay(200);
        }));

        // kill -9 of a random replica at random moments; it comes back on its own data root. (A replica killed
        // while it holds the GC lease keeps GC from the others until the lease lapses, a minute: GC answers
        // already_running meanwhile, which is the lease doing its work.)
        for (var round = 0; round < 4; round++)
        {
            await Task.Delay(random.Next(1500, 4000));
            var victim = random.Next(replicas.Length);
            await replicas[victim].KillAsync();
            var replacement = await store.StartReplicaAsync(temp.Combine($"replica{victim}"), config);
            ServerProcess dead;
            lock (replicas)
            {
                dead = replicas[victim];
                replicas[victim] = replacement;
            }

            await dead.DisposeAsync();
        }

        await Task.Delay(1500);
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        Assert.True(counters[0] > 30 && counters[1] > 5 && counters[2] > 5 && counters[3] > 0 && jobs.Count > 10,
            $"too little happened: {counters[0]} uploads, {counters[1]} downloads, {counters[2]} retention actions, {counters[3]} GC runs, {jobs.Count} jobs");

        // Every job ends, succeeded, its own input in its output package; whichever replica is asked.
        foreach (var (id, input) in jobs)
        {
            var job = await JobApi.WaitAsync(replicas[0].Http, id, TimeSpan.FromSeconds(90));
            Assert.Equal("succeeded", JobApi.State(job));
            Assert.Equal(input, await Api.DownloadAsync(replicas[1].Http, job.GetProperty("output_package_id").GetString()!, "artifacts/copy.bin"));
        }

        // ... exactly once: one outcome event per job, one output package per job.
        Assert.Equal(0L, Convert.ToInt64(await store.ScalarAsync(
            "SELECT count(*) FROM (SELECT stream FROM events WHERE type IN ('v1.job.succeeded', 'v1.job.failed', 'v1.job.canceled') GROUP BY stream HAVING count(*) > 1) doubled"), CultureInfo.InvariantCulture));
        Assert.Equal(0L, Convert.ToInt64(await store.ScalarAsync(
            "SELECT count(*) FROM (SELECT name FROM packages WHERE name LIKE 'jobs/%/output' GROUP BY name HAVING count(*) > 1) doubled"), CultureInfo.InvariantCulture));

        // Every acknowledged standard package is there, byte for byte; a short one is there or expired.
        foreach (var (id, (name, isShort)) in acknowledged)
        {
            var (status, body) = await Api.GetJsonAsync(replicas[2].Http, $"v1/packages/{id}");
            if (status == HttpStatusCode.NotFound && isShort)
            {
                Assert.Equal("package_expired", body.GetProperty("code").GetString());
                continue;
            }

            Assert.True(status == HttpStatusCode.OK, $"acknowledged package {id} ({name}) answers {(int)status}: {body}");
            foreach (var c in sent[name])
            {
                Assert.Equal(contents[c], await Api.DownloadAsync(replicas[0].Http, id, $"c{c}.bin"));
            }
        }

        // Nothing half-visible: every live package of the load, acknowledged or cut off, is whole.
        var live = await store.ScalarAsync("SELECT string_agg(id || ' ' || name, E'\\n') FROM packages WHERE state = 'live' AND name LIKE 'load/%'") as string ?? "";
        foreach (var line in live.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var (id, name) = (line[..line.IndexOf(' ', StringComparison.Ordinal)], line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
            foreach (var c in sent[name])
            {
                Assert.Equal(contents[c], await Api.DownloadAsync(replicas[1].Http, id, $"c{c}.bin"));
            }
        }

        // The log: gapless and one chain, whichever replica appended.
        Assert.Equal(true, await store.ScalarAsync("SELECT count(*) = max(seq) FROM events"));
        Assert.Null((await Api.VerifyChainAsync(replicas[2].Http)).Problem);

        // A last GC (once a killed replica's GC lease has lapsed) leaves nothing unreferenced; then fsck is clean.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            await Api.SendAsync(replicas[0].Http, HttpMethod.Post, "v1/admin/retention/sweep");
            var (status, body) = await Api.SendAsync(replicas[0].Http, HttpMethod.Post, "v1/admin/gc");
            if (status == HttpStatusCode.OK)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"gc still refused: {body}");
            await Task.Delay(1000);
        }

        foreach (var replica in replicas)
        {
            Assert.Equal(0, await replica.StopAsync());
        }

        var (exit, stdout, stderr) = await Cli.RunAsync(["fsck", "--data-root", temp.Combine("replica0")], store.Environment());
        Assert.True(exit == 0, $"fsck exited {exit}:\n{stdout}\n{stderr}");

        // Repair rebuilds the shared views: the root's lock cannot vouch for the other replicas, the operator must.
        (exit, _, stderr) = await Cli.RunAsync(["fsck", "--repair", "--data-root", temp.Combine("replica0")], store.Environment());
        Assert.Equal(3, exit);
        Assert.Contains("--replicas-stopped", stderr, StringComparison.Ordinal);
        (exit, stdout, stderr) = await Cli.RunAsync(["fsck", "--repair", "--replicas-stopped", "--data-root", temp.Combine("replica0")], store.Environment());
        Assert.True(exit == 0, $"fsck --repair exited {exit}:\n{stdout}\n{stderr}");
    }

    [Fact]
    public async Task a_job_on_a_killed_replica_finishes_on_another_after_its_lease_expires_and_its_log_is_read_live_anywhere()
    {
        using var temp = new TempDirectory();
        await using var store = await ScaleOutStore.CreateAsync();
        var config = Config(temp);
        await using var doomed = await store.StartReplicaAsync(temp.Combine("doomed"), config);
        var input = Encoding.UTF8.GetBytes("moved across replicas");
        var id = await JobApi.SubmitOkAsync(doomed.Http, "slow", input);
        await JobApi.WaitAsync(doomed.Http, id, TimeSpan.FromSeconds(30), "running");

        // The other replica starts while the job runs: it leaves the live lease alone, and serves the live log.
        await using var survivor = await store.StartReplicaAsync(temp.Combine("survivor"), config);
        Assert.Equal("running", JobApi.State(await JobApi.GetAsync(survivor.Http, id)));
        var log = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(10); !log.Contains("working", StringComparison.Ordinal); await Task.Delay(100))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the survivor never showed the running job's log: '{log}'");
            log = await survivor.Http.GetStringAsync($"v1/jobs/{id}/logs?follow=false");
        }

        Assert.DoesNotContain("done", log, StringComparison.Ordinal);

        await doomed.KillAsync();
        var job = await JobApi.WaitAsync(survivor.Http, id, TimeSpan.FromSeconds(60));
        Assert.Equal("succeeded", JobApi.State(job));
        Assert.Equal(2, job.GetProperty("attempts").GetInt32());
        Assert.Equal(input, await Api.DownloadAsync(survivor.Http, job.GetProperty("output_package_id").GetString()!, "artifacts/copy.bin"));

        // The stored log holds both attempts: the one the dead replica began and the one that finished.
        var stored = await JobApi.LogAsync(survivor.Http, id);
        Assert.Contains("== attempt 1", stored, StringComparison.Ordinal);
        Assert.Contains("== attempt 2", stored, StringComparison.Ordinal);
        Assert.Contains("done", stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task one_idempotency_key_sent_to_two_replicas_at_once_creates_one_package()
    {
        using var temp = new TempDirectory();
        await using var store = await ScaleOutStore.CreateAsync();
        await using var first = await store.StartReplicaAsync(temp.Combine("first"));
        await using var second = await store.StartReplicaAsync(temp.Combine("second"));
        for (var round = 0; round < 8; round++)
        {
            var key = $"key-{round}";
            var name = $"idem/{round}";
            var bytes = GcUnderLoadTests.Bytes(round, 200_000);
            var answers = await Task.WhenAll(new[] { first, second }.Select(r =>
                Api.PostPackageAsync(r.Http, Api.Form(name, Api.Files(("a.bin", bytes))), key)));

            // Each answer is the package, or "the same request is in progress" while the other one holds the claim.
            var ids = answers.Where(a => a.Status is HttpStatusCode.Created or HttpStatusCode.OK).Select(a => a.Body.GetProperty("id").GetString()).Distinct().ToList();
            Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.Created or HttpStatusCode.OK || a.Body.GetProperty("code").GetString() == "idempotency_request_in_progress", $"{(int)a.Status}: {a.Body}"));
            Assert.Single(ids);
            Assert.Equal(1L, Convert.ToInt64(await store.ScalarAsync($"SELECT count(*) FROM packages WHERE name = '{name}'"), CultureInfo.InvariantCulture));

            // A replay through either replica answers the same package.
            var (_, replay) = await Api.PostPackageAsync(second.Http, Api.Form(name, Api.Files(("a.bin", bytes))), key);
            Assert.Equal(ids[0], replay.GetProperty("id").GetString());
        }
    }

    [Fact]
    public async Task every_replica_and_fsck_on_its_root_report_the_shared_stores_id_not_the_data_roots_and_backup_refuses_first()
    {
        using var temp = new TempDirectory();
        await using var store = await ScaleOutStore.CreateAsync();
        await using var first = await store.StartReplicaAsync(temp.Combine("first"));
        await using var second = await store.StartReplicaAsync(temp.Combine("second"));
        var shared = (string)(await store.ScalarAsync("SELECT store_id FROM store_identity"))!;
        var own = new List<string>();

        foreach (var (replica, root) in new[] { (first, temp.Combine("first")), (second, temp.Combine("second")) })
        {
            var (status, ready) = await Api.GetJsonAsync(replica.Http, "health/ready");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(shared, ready.GetProperty("store_id").GetString());

            // The replica's own root has an id of its own, which is not the store's.
            using var marker = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(root, "artifactstore-root.json")));
            own.Add(marker.RootElement.GetProperty("store_id").GetString()!);
            Assert.NotEqual(shared, own[^1]);
        }

        // fsck names the store it checks: the shared one, from a served replica's root and, once every replica has
        // stopped, when it repairs.
        var (exit, stdout, stderr) = await Cli.RunAsync(["fsck", "--data-root", temp.Combine("second")], store.Environment());
        Assert.True(exit == 0, $"fsck exited {exit}:\n{stdout}\n{stderr}");
        Assert.Contains($"(store {shared}, profile 'dev') while a server holds it", stdout, StringComparison.Ordinal);
        Assert.All(own, id => Assert.DoesNotContain(id, stdout, StringComparison.Ordinal));
        Assert.Equal(0, await first.StopAsync());
        Assert.Equal(0, await second.StopAsync());
        (exit, stdout, stderr) = await Cli.RunAsync(["fsck", "--repair", "--replicas-stopped", "--data-root", temp.Combine("first")], store.Environment());
        Assert.True(exit == 0, $"fsck --repair exited {exit}:\n{stdout}\n{stderr}");
        Assert.Contains($"(store {shared}, profile 'dev'), holding the root", stdout, StringComparison.Ordinal);
        Assert.All(own, id => Assert.DoesNotContain(id, stdout, StringComparison.Ordinal));

        // backup copies an embedded root: on a replica's root it refuses before naming any store, and says what to use.
        var destination = temp.Combine("backup");
        (exit, stdout, stderr) = await Cli.RunAsync(["backup", destination, "--data-root", temp.Combine("first")], store.Environment());
        Assert.True(exit == 3, $"backup exited {exit}:\n{stdout}\n{stderr}");
        Assert.Equal("", stdout);
        Assert.Contains("copy-store", stderr, StringComparison.Ordinal);
        Assert.Contains("\"Backing up and restoring\"", stderr, StringComparison.Ordinal);
        Assert.All(own, id => Assert.DoesNotContain(id, stderr, StringComparison.Ordinal));
        Assert.False(Directory.Exists(destination));
    }

    [Fact]
    public async Task a_token_revoked_on_one_replica_is_refused_by_another_at_its_next_request()
    {
        using var temp = new TempDirectory();
        await using var store = await ScaleOutStore.CreateAsync();
        await using var first = await store.StartReplicaAsync(temp.Combine("first"));
        await using var second = await store.StartReplicaAsync(temp.Combine("second"));
        var (_, admin) = await Api.SendAsync(first.Http, HttpMethod.Post, "v1/admin/tokens", json: new { name = "admin", role = "admin" });
        var adminToken = admin.GetProperty("token").GetString()!;
        var (_, writer) = await Api.SendAsync(first.Http, HttpMethod.Post, "v1/admin/tokens", adminToken, json: new { name = "ci", role = "writer" });
        var writerToken = writer.GetProperty("token").GetString()!;

        // Created on the first replica, honoured by the second.
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(second.Http, HttpMethod.Get, "v1/packages", writerToken)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(first.Http, HttpMethod.Post, "v1/admin/tokens/ci/revoke", adminToken, json: new { })).Status);
        var (status, problem) = await Api.SendAsync(second.Http, HttpMethod.Get, "v1/packages", writerToken);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("unauthorized", problem.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(second.Http, HttpMethod.Get, "v1/packages", adminToken)).Status);
    }
}
