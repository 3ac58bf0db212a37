using System.Collections.Concurrent;
using System.Globalization;
using System.Net;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// A scale-out replica when PostgreSQL or S3 goes away and comes back, when it is pointed at another lane's
/// store, and GC on one replica while another uploads what GC condemned (docs/postgres.md, docs/s3.md).
/// </summary>
public sealed class ScaleOutOutageTests
{
    /// <summary>Readiness is evaluated when asked (and hourly otherwise), so the test decides when a replica notices.</summary>
    private const string Config = """{ "Readiness": { "CheckInterval": "01:00:00" } }""";

    [Fact]
    public async Task an_s3_outage_answers_storage_unavailable_and_not_ready_records_nothing_and_service_resumes()
    {
        using var temp = new TempDirectory();
        await using var store = await ScaleOutStore.CreateAsync(proxied: true);
        await using var replica = await store.StartReplicaAsync(temp.Combine("replica"), StoreFiles.Config(temp, Config));
        await OutageAsync(store, replica, store.S3Proxy!, "blob_store");
    }

    [Fact]
    public async Task a_postgres_outage_answers_storage_unavailable_and_not_ready_records_nothing_and_service_resumes()
    {
        using var temp = new TempDirectory();
        await using var store = await ScaleOutStore.CreateAsync(proxied: true);
        await using var replica = await store.StartReplicaAsync(temp.Combine("replica"), StoreFiles.Config(temp, Config));
        await OutageAsync(store, replica, store.PostgresProxy!, "database");
    }

    private static async Task OutageAsync(ScaleOutStore store, ServerProcess replica, Conformance.Tests.S3.TcpProxy proxy, string failingCheck)
    {
        var before = GcUnderLoadTests.Bytes(1, 300_000);
        var (created, kept) = await Api.PostPackageAsync(replica.Http, Api.Form("before", Api.Files(("a.bin", before))));
        Assert.Equal(HttpStatusCode.Created, created);
        var events = Convert.ToInt64(await store.ScalarAsync("SELECT count(*) FROM events"), CultureInfo.InvariantCulture);
        var objects = (await store.ListObjectsAsync()).Count;

        proxy.Stop();
        var during = GcUnderLoadTests.Bytes(2, 300_000);
        var (status, problem) = await Api.PostPackageAsync(replica.Http, Api.Form("during", Api.Files(("b.bin", during))));
        Assert.True(status == HttpStatusCode.ServiceUnavailable, $"upload during the outage answered {(int)status}: {problem}");
        Assert.Equal("storage_unavailable", problem.GetProperty("code").GetString());
        using (var ready = await replica.Http.GetAsync("health/ready"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains($"\"{failingCheck}\"", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        proxy.Start();
        using (var ready = await replica.Http.GetAsync("health/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        // Nothing of the refused upload was recorded: no event, no package, no object, nothing staged.
        Assert.Equal(events, Convert.ToInt64(await store.ScalarAsync("SELECT count(*) FROM events"), CultureInfo.InvariantCulture));
        Assert.Equal(0L, Convert.ToInt64(await store.ScalarAsync("SELECT count(*) FROM packages WHERE name = 'during'"), CultureInfo.InvariantCulture));
        Assert.Equal(objects, (await store.ListObjectsAsync()).Count);

        // Service resumes: the same upload now succeeds, and what was there before still reads back.
        (status, problem) = await Api.PostPackageAsync(replica.Http, Api.Form("during", Api.Files(("b.bin", during))));
        Assert.True(status == HttpStatusCode.Created, $"upload after the outage answered {(int)status}: {problem}");
        Assert.Equal(during, await Api.DownloadAsync(replica.Http, problem.GetProperty("id").GetString()!, "b.bin"));
        Assert.Equal(before, await Api.DownloadAsync(replica.Http, kept.GetProperty("id").GetString()!, "a.bin"));
    }

    [Fact]
    public async Task a_replica_of_another_lane_is_refused_by_the_database_and_by_the_bucket()
    {
        using var temp = new TempDirectory();
        await using var prod = await ScaleOutStore.CreateAsync();
        await using (var replica = await prod.StartReplicaAsync(temp.Combine("prod"), profile: "prod"))
        {
            Assert.Equal(HttpStatusCode.Created, (await Api.PostPackageAsync(replica.Http, Api.Form("p", Api.Files(("a", "a"u8.ToArray()))))).Status);
        }

        // eval pointed at prod's database and bucket, at prod's database with its own prefix, at its own database with prod's prefix.
        var evalDatabase = await ScaleOutStore.CreateDatabaseAsync();
        var cases = new (Dictionary<string, string> Environment, string Names)[]
        {
            (prod.Environment(), "PostgreSQL database"),
            (prod.Environment(prefix: "eval-" + Guid.NewGuid().ToString("N")[..8] + "/"), "PostgreSQL database"),
            (prod.Environment(database: evalDatabase), "bucket"),
        };
        foreach (var (environment, names) in cases)
        {
            var (exit, _, stderr) = await Cli.RunAsync(["serve", "--data-root", temp.Combine("eval-" + Guid.NewGuid().ToString("N")[..8]), "--profile", "eval", "--urls", ServerProcess.LoopbackAnyPort], environment);
            Assert.NotEqual(0, exit);
            Assert.Contains(names, stderr, StringComparison.Ordinal);
            Assert.Contains("profile 'prod', not 'eval'", stderr, StringComparison.Ordinal);
        }

        // Refused before anything changed: prod's database still has its one identity, and eval's database got none.
        Assert.Equal("prod", await prod.ScalarAsync("SELECT string_agg(profile, ',') FROM store_identity"));

        // doctor, run for a prod replica's root, reports the lane check as passing.
        var (doctorExit, doctorOut, doctorErr) = await Cli.RunAsync(["doctor", "--data-root", temp.Combine("prod"), "--profile", "prod"], prod.Environment());
        Assert.True(doctorExit == 0, $"{doctorOut}\n{doctorErr}");
        Assert.Contains("store_identity", doctorOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task gc_on_one_replica_while_another_uploads_the_contents_it_condemned_loses_nothing()
    {
        using var temp = new TempDirectory();
        await using var store = await ScaleOutStore.CreateAsync();
        var config = StoreFiles.Config(temp, """
            { "Retention": { "Classes": { "short": { "Duration": "00:00:01" } }, "SweepInterval": "1.00:00:00" },
              "Gc": { "BlobGracePeriod": "00:00:00", "Interval": "1.00:00:00" } }
            """);
        await using var uploads = await store.StartReplicaAsync(temp.Combine("uploads"), config);
        await using var collects = await store.StartReplicaAsync(temp.Combine("collects"), config);
        var contents = Enumerable.Range(0, 6).Select(i => GcUnderLoadTests.Bytes(i, 1024 * (1 + (i * 40)))).ToArray();
        var acknowledged = new ConcurrentBag<(string Id, bool Short, int[] Contents)>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var deleted = 0;

        var uploaders = Enumerable.Range(0, 3).Select(u => Task.Run(async () =>
        {
            var random = new Random(u);
            while (!stop.IsCancellationRequested)
            {
                var picked = Enumerable.Range(0, random.Next(1, 3)).Select(_ => random.Next(contents.Length)).Distinct().ToArray();
                var isShort = random.Next(2) == 0;
                var form = Api.Form($"stress/{u}", picked.Select(c => ($"c{c}.bin", (HttpContent)new ByteArrayContent(contents[c]))),
                    "retention_class", isShort ? "short" : "standard");
                var (status, body) = await Api.PostPackageAsync(uploads.Http, form);
                Assert.Equal(HttpStatusCode.Created, status);
                acknowledged.Add((body.GetProperty("id").GetString()!, isShort, picked));
            }
        })).ToList();
        var collector = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Api.SendAsync(collects.Http, HttpMethod.Post, "v1/admin/retention/sweep");
                var (_, report) = await Api.SendAsync(collects.Http, HttpMethod.Post, "v1/admin/gc");
                Interlocked.Add(ref deleted, report.GetProperty("packages_deleted").GetArrayLength());
            }
        });
        await Task.WhenAll([.. uploaders, collector]);

        Assert.True(deleted > 5, $"GC deleted only {deleted} packages; the test did not exercise deletion");
        foreach (var (id, isShort, picked) in acknowledged)
        {
            var (status, body) = await Api.GetJsonAsync(collects.Http, $"v1/packages/{id}");
            if (status == HttpStatusCode.NotFound)
            {
                Assert.True(isShort, $"package {id} of class standard is gone");
                Assert.Equal("package_expired", body.GetProperty("code").GetString());
                continue;
            }

            foreach (var c in picked)
            {
                Assert.Equal(contents[c], await Api.DownloadAsync(collects.Http, id, $"c{c}.bin"));
            }
        }

        Assert.Null((await Api.VerifyChainAsync(uploads.Http)).Problem);
    }
}
