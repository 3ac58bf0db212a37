using System.Collections.Concurrent;
using System.Net;

namespace ArtifactStore.EndToEnd.Tests;

public sealed class CrashAndRestartTests
{
    [Fact]
    public async Task a_restarted_server_has_everything_and_its_event_chain_verifies()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var ids = new List<string>();
        await using (var server = await ServerProcess.StartAsync(root))
        {
            for (var i = 0; i < 5; i++)
            {
                var (status, body) = await Api.PostPackageAsync(server.Http, Api.Form($"restart/{i}", Api.Files(($"f{i}.txt", Content(i, 1000 + i)))));
                Assert.Equal(HttpStatusCode.Created, status);
                ids.Add(body.GetProperty("id").GetString()!);
            }

            Assert.Equal(0, await server.StopAsync());
        }

        await using (var again = await ServerProcess.StartAsync(root))
        {
            for (var i = 0; i < ids.Count; i++)
            {
                Assert.Equal(Content(i, 1000 + i), await Api.DownloadAsync(again.Http, ids[i], $"f{i}.txt"));
            }

            var (count, problem) = await Api.VerifyChainAsync(again.Http);
            Assert.Equal(10, count);
            Assert.Null(problem);
        }
    }

    [Fact]
    public async Task killing_the_server_during_uploads_never_loses_an_acknowledged_package_nor_shows_a_partial_one()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var acknowledged = new ConcurrentDictionary<string, (string Path, int Seed, int Size)[]>();
        var attempts = await UploadsUntilKilled.RunAsync(root, rounds: 20, clients: 4, new Random(20261121), (150, 1500), (round, u, i) =>
        {
            var local = new Random((round * 1_000_000) + (u * 10_000) + i);
            var files = Enumerable.Range(0, local.Next(1, 4))
                .Select(f => ($"dir{f}/file{f}.bin", local.Next(), local.Next(1, 3 * 1024 * 1024)))
                .ToArray();
            return (Api.Form($"crash/{round}/{u}", files.Select(f => (f.Item1, (HttpContent)new ByteArrayContent(Content(f.Item2, f.Item3))))), files);
        }, acknowledged, started: _ => Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "tmp"))));

        Assert.True(acknowledged.Count >= 20, $"only {acknowledged.Count} of {attempts} uploads were acknowledged; the test did not exercise much");

        await using (var final = await ServerProcess.StartAsync(root))
        {
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "tmp")));
            foreach (var (id, files) in acknowledged)
            {
                foreach (var (path, seed, size) in files)
                {
                    var read = await Api.DownloadAsync(final.Http, id, path);
                    Assert.True(Content(seed, size).AsSpan().SequenceEqual(read), $"{id}/{path} differs");
                }
            }

            // Whatever is visible (acknowledged or not) is whole: every listed file reads back with its digest.
            Assert.True(await UploadsUntilKilled.AssertEveryListedPackageIsWholeAsync(final.Http) >= acknowledged.Count);
            var (_, problem) = await Api.VerifyChainAsync(final.Http);
            Assert.Null(problem);
            Assert.Equal(0, await final.StopAsync());
        }

        // The views the crashes left behind equal a replay of the events.
        await StoreFiles.AssertViewsEqualReplayAsync(root);
    }

    private static byte[] Content(int seed, int size)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
