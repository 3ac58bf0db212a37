using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ArtifactStore.Bench;

/// <summary>
/// Writers with and without a stalled event-stream subscriber (docs/performance.md, docs/events.md "The live
/// stream"): concurrent clients create 4 KiB packages through a real server for a fixed time, first with nobody
/// subscribed, then with one subscriber to <c>/v1/events/stream</c> that never reads (and one that keeps up). A
/// stalled reader must not slow the writers: the two rates should be the same within noise.
/// Usage: artifactstore-bench stream [seconds] [clients] [warm-up seconds] (defaults 10, 8 and 8).
/// </summary>
internal static class StreamBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        var clients = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 8;
        var warmUp = TimeSpan.FromSeconds(args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 8);
        var duration = TimeSpan.FromSeconds(seconds);
        var work = Path.Combine(Path.GetTempPath(), "as-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            using var server = BenchServer.Start(Path.Combine(work, "root"));
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients + 1 }) { BaseAddress = new Uri(server.Url + "/") };
            _ = await SmallUploadBenchmark.LoadAsync(http, clients, warmUp, round: 0);

            var (alone, failedAlone, elapsedAlone) = await SmallUploadBenchmark.LoadAsync(http, clients, duration, round: 1);
            var rateAlone = alone / elapsedAlone.TotalSeconds;
            Console.WriteLine($"no subscriber      {clients} clients: {rateAlone:F0} packages/s ({alone} created, {failedAlone} failed)");

            var port = new Uri(server.Url).Port;
            using var stalled = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 2048 };
            await stalled.ConnectAsync(IPAddress.Loopback, port);
            await stalled.SendAsync(new ReadOnlyMemory<byte>(Encoding.ASCII.GetBytes($"GET /v1/events/stream?after=0 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n")));
            using var follower = new HttpClient { BaseAddress = http.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
            using var following = new CancellationTokenSource();
            var followed = FollowAsync(follower, following.Token);

            var (withStalled, failedWith, elapsedWith) = await SmallUploadBenchmark.LoadAsync(http, clients, duration, round: 2);
            var rateWith = withStalled / elapsedWith.TotalSeconds;
            await following.CancelAsync();
            var events = await followed;
            Console.WriteLine($"stalled subscriber {clients} clients: {rateWith:F0} packages/s ({withStalled} created, {failedWith} failed); a following subscriber got {events} events");
            Console.WriteLine($"rate with a stalled subscriber over rate without: {rateWith / rateAlone:F2} (expected ~1)");
            return failedAlone + failedWith == 0 ? 0 : 1;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Reads the stream from now on, counting events, until cancelled.</summary>
    private static async Task<long> FollowAsync(HttpClient http, CancellationToken cancellationToken)
    {
        long count = 0;
        try
        {
            using var response = await http.GetAsync("v1/events/stream", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    count++;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return count;
    }
}
