using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// Crash tests under load: rounds of a real server on one data root, each with clients uploading packages as fast as
/// they are answered until the server is killed (SIGKILL) at a random moment; then what a restarted server must show.
/// </summary>
internal static class UploadsUntilKilled
{
    /// <summary>
    /// Runs <paramref name="rounds"/> rounds on <paramref name="root"/>. In each, <paramref name="clients"/> clients post
    /// the forms <paramref name="next"/> makes (from the round, the client and the client's count of attempts in the
    /// round) until the server, killed after <paramref name="killAfterMs"/> (a random number of milliseconds in that
    /// range, drawn from <paramref name="random"/>), stops answering. Every 201 goes into <paramref name="acknowledged"/>
    /// by package id with what the form carried. <paramref name="started"/> sees each server before its uploads begin.
    /// Returns how many uploads were attempted.
    /// </summary>
    public static async Task<int> RunAsync<T>(
        string root,
        int rounds,
        int clients,
        Random random,
        (int Min, int Max) killAfterMs,
        Func<int, int, int, (HttpContent Form, T Sent)> next,
        ConcurrentDictionary<string, T> acknowledged,
        Action<ServerProcess>? started = null)
    {
        var attempts = 0;
        for (var round = 0; round < rounds; round++)
        {
            await using var server = await ServerProcess.StartAsync(root);
            started?.Invoke(server);
            using var stop = new CancellationTokenSource();
            var uploaders = Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var (form, sent) = next(round, client, i);
                    Interlocked.Increment(ref attempts);
                    try
                    {
                        var (status, body) = await Api.PostPackageAsync(server.Http, form);
                        if (status == HttpStatusCode.Created)
                        {
                            acknowledged[body.GetProperty("id").GetString()!] = sent;
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

            await Task.Delay(random.Next(killAfterMs.Min, killAfterMs.Max));
            await server.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(uploaders);
        }

        return attempts;
    }

    /// <summary>
    /// Whatever a server lists, acknowledged or not, is whole: every file of every package reads back with its
    /// SHA-256. Returns how many packages were listed.
    /// </summary>
    public static async Task<int> AssertEveryListedPackageIsWholeAsync(HttpClient http)
    {
        string? cursor = null;
        var visible = 0;
        do
        {
            var (_, page) = await Api.GetJsonAsync(http, "v1/packages?limit=1000" + (cursor is null ? string.Empty : "&cursor=" + cursor));
            foreach (var package in page.GetProperty("items").EnumerateArray())
            {
                visible++;
                var id = package.GetProperty("id").GetString()!;
                foreach (var file in package.GetProperty("files").EnumerateArray())
                {
                    var bytes = await Api.DownloadAsync(http, id, file.GetProperty("path").GetString()!);
                    Assert.Equal(file.GetProperty("sha256").GetString(), Api.Sha256(bytes));
                }
            }

            cursor = page.GetProperty("next_cursor").ValueKind == JsonValueKind.String ? page.GetProperty("next_cursor").GetString() : null;
        }
        while (cursor is not null);

        return visible;
    }
}
