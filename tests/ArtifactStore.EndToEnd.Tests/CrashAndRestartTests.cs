using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;

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
        var random = new Random(20261121);
        var attempts = 0;

        for (var iteration = 0; iteration < 20; iteration++)
        {
            await using var server = await ServerProcess.StartAsync(root);
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "tmp")));
            using var stop = new CancellationTokenSource();
            var uploaders = Enumerable.Range(0, 4).Select(u => Task.Run(async () =>
            {
                var local = new Random((iteration * 10) + u);
                while (!stop.IsCancellationRequested)
                {
                    var files = Enumerable.Range(0, local.Next(1, 4))
                        .Select(f => ($"dir{f}/file{f}.bin", local.Next(), local.Next(1, 3 * 1024 * 1024)))
                        .ToArray();
                    Interlocked.Increment(ref attempts);
                    try
                    {
                        var form = Api.Form($"crash/{iteration}/{u}", files.Select(f => (f.Item1, (HttpContent)new ByteArrayContent(Content(f.Item2, f.Item3)))));
                        var (status, body) = await Api.PostPackageAsync(server.Http, form);
                        if (status == HttpStatusCode.Created)
                        {
                            acknowledged[body.GetProperty("id").GetString()!] = files;
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return; // the server is gone
                    }
                    catch (TaskCanceledException)
                    {
                        return;
                    }
                }
            })).ToArray();

            await Task.Delay(random.Next(150, 1500));
            await server.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(uploaders);
        }

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
            string? cursor = null;
            var visible = 0;
            do
            {
                var (_, page) = await Api.GetJsonAsync(final.Http, "v1/packages?limit=1000" + (cursor is null ? string.Empty : "&cursor=" + cursor));
                foreach (var package in page.GetProperty("items").EnumerateArray())
                {
                    visible++;
                    var id = package.GetProperty("id").GetString()!;
                    foreach (var file in package.GetProperty("files").EnumerateArray())
                    {
                        var bytes = await Api.DownloadAsync(final.Http, id, file.GetProperty("path").GetString()!);
                        Assert.Equal(file.GetProperty("sha256").GetString(), Api.Sha256(bytes));
                    }
                }

                cursor = page.GetProperty("next_cursor").ValueKind == JsonValueKind.String ? page.GetProperty("next_cursor").GetString() : null;
            }
            while (cursor is not null);

            Assert.True(visible >= acknowledged.Count);
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
