using System.Collections.Concurrent;
using System.Globalization;
using System.Net;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>Online GC under concurrent uploads, and GC interrupted by kill -9 (docs/gc.md).</summary>
public sealed class GcUnderLoadTests
{
    private const string Config = """
        { "Retention": { "Classes": { "short": { "Duration": "00:00:01" } }, "SweepInterval": "1.00:00:00" },
          "Gc": { "BlobGracePeriod": "00:00:00", "Interval": "1.00:00:00" } }
        """;

    [Fact]
    public async Task concurrent_uploads_of_the_same_contents_survive_gc_running_in_a_loop_for_a_minute()
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("ARTIFACTSTORE_STRESS_SECONDS"), NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 60;
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"), StoreFiles.Config(temp, Config));
        var contents = Enumerable.Range(0, 6).Select(i => Bytes(i, 1024 * (1 + (i * 40)))).ToArray();
        var acknowledged = new ConcurrentBag<(string Id, bool Short, int[] Contents)>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var gcRuns = 0;
        var deleted = 0;

        var uploaders = Enumerable.Range(0, 4).Select(u => Task.Run(async () =>
        {
            var random = new Random(u);
            while (!stop.IsCancellationRequested)
            {
                var picked = Enumerable.Range(0, random.Next(1, 3)).Select(_ => random.Next(contents.Length)).Distinct().ToArray();
                var isShort = random.Next(2) == 0;
                var form = Api.Form($"stress/{u}", picked.Select(c => ($"c{c}.bin", (HttpContent)new ByteArrayContent(contents[c]))),
                    "retention_class", isShort ? "short" : "standard");
                var (status, body) = await Api.PostPackageAsync(server.Http, form);
                Assert.Equal(HttpStatusCode.Created, status);
                acknowledged.Add((body.GetProperty("id").GetString()!, isShort, picked));
            }
        })).ToList();
        var collector = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/retention/sweep");
                var (_, report) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/gc");
                Interlocked.Add(ref deleted, report.GetProperty("packages_deleted").GetArrayLength());
                Interlocked.Increment(ref gcRuns);
            }
        });
        await Task.WhenAll([.. uploaders, collector]);

        Assert.True(deleted > 10, $"GC deleted only {deleted} packages in {gcRuns} runs; the test did not exercise deletion");
        var intact = 0;
        foreach (var (id, isShort, picked) in acknowledged)
        {
            var (status, body) = await Api.GetJsonAsync(server.Http, $"v1/packages/{id}");
            if (status == HttpStatusCode.NotFound)
            {
                Assert.True(isShort, $"package {id} of class standard is gone");
                Assert.Equal("package_expired", body.GetProperty("code").GetString());
                continue;
            }

            foreach (var c in picked)
            {
                Assert.Equal(contents[c], await Api.DownloadAsync(server.Http, id, $"c{c}.bin"));
            }

            intact++;
        }

        Assert.True(intact > 0);
        Assert.Null((await Api.VerifyChainAsync(server.Http)).Problem);
    }

    [Fact]
    public async Task killing_the_server_during_gc_loses_no_live_blob_and_a_later_gc_finishes_the_job()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var config = StoreFiles.Config(temp, Config);
        var kept = new Dictionary<string, byte[]>();
        var random = new Random(2026);

        for (var iteration = 0; iteration < 20; iteration++)
        {
            await using var server = await ServerProcess.StartAsync(root, config);
            if (iteration == 0)
            {
                for (var k = 0; k < 8; k++)
                {
                    var bytes = Bytes(1000 + k, 20_000);
                    var (_, body) = await Api.PostPackageAsync(server.Http, Api.Form($"kept/{k}", Api.Files(("k.bin", bytes))));
                    kept[body.GetProperty("id").GetString()!] = bytes;
                }
            }

            // Packages that expire at once: some unique content, some shared with the kept packages.
            var keptContents = kept.Values.ToArray();
            for (var p = 0; p < 40; p++)
            {
                var files = Api.Files(("own.bin", Bytes((iteration * 100) + p, 5_000)), ("shared.bin", keptContents[p % keptContents.Length]));
                var (status, _) = await Api.PostPackageAsync(server.Http, Api.Form($"doomed/{iteration}/{p}", files, "retention_class", "short"));
                Assert.Equal(HttpStatusCode.Created, status);
            }

            await Task.Delay(1100);
            await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/retention/sweep");
            var gc = Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/gc");
            await Task.Delay(random.Next(5, 250));
            await server.KillAsync();
            try
            {
                await gc;
            }
            catch (HttpRequestException)
            {
                // Expected: the server died under it.
            }
        }

        await using (var final = await ServerProcess.StartAsync(root, config))
        {
            foreach (var (id, bytes) in kept)
            {
                Assert.Equal(bytes, await Api.DownloadAsync(final.Http, id, "k.bin"));
            }

            await Api.SendAsync(final.Http, HttpMethod.Post, "v1/admin/retention/sweep");
            var (_, report) = await Api.SendAsync(final.Http, HttpMethod.Post, "v1/admin/gc");
            Assert.Equal(System.Text.Json.JsonValueKind.Object, report.ValueKind);

            // Nothing unreferenced remains, and nothing referenced is missing.
            Assert.Equal(0, StoreFiles.Scalar(root, "SELECT COUNT(*) FROM blobs WHERE state <> 'live' OR refcount <= 0"));
            Assert.Equal(0, StoreFiles.Scalar(root, "SELECT COUNT(*) FROM packages WHERE state = 'live' AND name LIKE 'doomed/%'"));
            // Every row has its bytes and every stored blob has a row: files, and the small ones inline in the database.
            var rows = StoreFiles.Scalar(root, "SELECT COUNT(*) FROM blobs");
            Assert.Equal(rows, StoreFiles.StoredDigests(root).Count);
            Assert.Equal(rows, Directory.EnumerateFiles(Path.Combine(root, "blobs"), "*", SearchOption.AllDirectories).Count() + StoreFiles.Scalar(root, "SELECT COUNT(*) FROM inline_blobs"));
            foreach (var (id, bytes) in kept)
            {
                Assert.Equal(bytes, await Api.DownloadAsync(final.Http, id, "k.bin"));
            }

            Assert.Null((await Api.VerifyChainAsync(final.Http)).Problem);
            Assert.Equal(0, await final.StopAsync());
        }

        await StoreFiles.AssertViewsEqualReplayAsync(root);
    }

    internal static byte[] Bytes(int seed, int size)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
