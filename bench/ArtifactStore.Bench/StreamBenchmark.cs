using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ArtifactStore.Bench;

/// <summary>
/// Writers with and without event-stream subscribers (docs/performance.md, docs/events.md "The live stream"):
/// concurrent clients create 4 KiB packages through a real server for a fixed time, (a) with nobody subscribed,
/// (b) with one subscriber to <c>/v1/events/stream?after=0</c> that never reads, behind a 2 KiB receive buffer,
/// and (c) with one subscriber that follows the stream. The server's <c>Events:StreamBuffer</c> is 256 events, so
/// the stalled subscriber fills its buffer early in each load and the server drops it during the load. The three loads alternate for a few rounds in an order
/// that rotates (the machine is shared) and the medians are compared: a stalled reader must not slow the
/// writers, so (b)/(a) should be 1 within noise. The stalled subscriber is checked to have been dropped with the
/// stream's last message, and the follower's event count to match what the writers created.
/// Usage: artifactstore-bench stream [seconds] [clients] [warm-up seconds] [rounds] (defaults 10, 8, 8 and 3).
/// </summary>
internal static class StreamBenchmark
{
    private const int StreamBuffer = 256;

    private enum Subscriber
    {
        None,
        Stalled,
        Following,
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        var clients = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 8;
        var warmUp = TimeSpan.FromSeconds(args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 8);
        var rounds = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 3;
        var duration = TimeSpan.FromSeconds(seconds);
        var work = Path.Combine(Path.GetTempPath(), "as-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            // A buffer of 256 events (the default is 4096) fills within the first second or two of a load, so the
            // stalled subscriber meets the 5 s grace and is dropped inside every measured load, not after it.
            using var server = BenchServer.Start(Path.Combine(work, "root"), new Dictionary<string, string> { ["ARTIFACTSTORE_EVENTS__STREAMBUFFER"] = StreamBuffer.ToString(CultureInfo.InvariantCulture) });
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients + 1 }) { BaseAddress = new Uri(server.Url + "/") };
            _ = await SmallUploadBenchmark.LoadAsync(http, clients, warmUp, round: 0);

            var rates = Enum.GetValues<Subscriber>().ToDictionary(s => s, _ => new List<double>());
            long failures = 0;
            var stalledDropped = 0;
            var load = 1;
            for (var round = 1; round <= rounds; round++)
            {
                var order = Enum.GetValues<Subscriber>().ToList();
                // Rotate the order every round so that none of the three always runs first (or last).
                order = [.. order.Skip((round - 1) % order.Count), .. order.Take((round - 1) % order.Count)];
                foreach (var subscriber in order)
                {
                    var (rate, failed, note) = subscriber switch
                    {
                        Subscriber.Stalled => await WithStalledAsync(server, http, clients, duration, load++),
                        Subscriber.Following => await WithFollowerAsync(http, clients, duration, load++),
                        _ => await AloneAsync(http, clients, duration, load++),
                    };
                    rates[subscriber].Add(rate);
                    failures += failed;
                    stalledDropped += subscriber == Subscriber.Stalled && note.StartsWith("dropped", StringComparison.Ordinal) ? 1 : 0;
                    Console.WriteLine($"round {round}: {Describe(subscriber),-38} {rate,6:F0} packages/s ({failed} failed){(note.Length > 0 ? "; " + note : "")}");
                }
            }

            var alone = Median(rates[Subscriber.None]);
            Console.WriteLine();
            Console.WriteLine($"| {clients} clients creating 4 KiB packages, medians of {rounds} rounds of {seconds:F0} s | packages/s | ratio to no subscriber |");
            Console.WriteLine("|---|---|---|");
            foreach (var subscriber in Enum.GetValues<Subscriber>())
            {
                Console.WriteLine($"| {Describe(subscriber)} | {Median(rates[subscriber]):F0} | {Median(rates[subscriber]) / alone:F2} |");
            }

            Console.WriteLine($"stalled subscriber dropped by the server (event: dropped) in {stalledDropped} of {rounds} rounds; expected ratios ~1");
            return failures == 0 && stalledDropped == rounds ? 0 : 1;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string Describe(Subscriber subscriber) => subscriber switch
    {
        Subscriber.Stalled => "one stalled subscriber (never reads)",
        Subscriber.Following => "one following subscriber",
        _ => "no subscriber",
    };

    private static async Task<(double Rate, long Failed, string Note)> AloneAsync(HttpClient http, int clients, TimeSpan duration, int load)
    {
        var (created, failed, elapsed) = await SmallUploadBenchmark.LoadAsync(http, clients, duration, load);
        return (created / elapsed.TotalSeconds, failed, "");
    }

    /// <summary>The load while a subscriber that asked for the whole log reads nothing; then whether the server dropped it.</summary>
    private static async Task<(double Rate, long Failed, string Note)> WithStalledAsync(BenchServer server, HttpClient http, int clients, TimeSpan duration, int load)
    {
        var port = new Uri(server.Url).Port;
        using var stalled = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 2048 };
        await stalled.ConnectAsync(IPAddress.Loopback, port);
        await stalled.SendAsync(Encoding.ASCII.GetBytes($"GET /v1/events/stream?after=0 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"));
        var (created, failed, elapsed) = await SmallUploadBenchmark.LoadAsync(http, clients, duration, load);
        var dropped = await ReadsDroppedMessageAsync(stalled, TimeSpan.FromSeconds(30));
        return (created / elapsed.TotalSeconds, failed, dropped ? "dropped by the server with its last message" : "NOT dropped by the server");
    }

    /// <summary>The load while a subscriber reads the stream from now on; then how many events it got.</summary>
    private static async Task<(double Rate, long Failed, string Note)> WithFollowerAsync(HttpClient http, int clients, TimeSpan duration, int load)
    {
        using var follower = new HttpClient { BaseAddress = http.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        using var following = new CancellationTokenSource();
        var followed = FollowAsync(follower, following.Token);
        var (created, failed, elapsed) = await SmallUploadBenchmark.LoadAsync(http, clients, duration, load);
        // The feed polls every 100 ms: give it time to deliver the last commits before stopping.
        await Task.Delay(TimeSpan.FromSeconds(1));
        await following.CancelAsync();
        var events = await followed;
        return (created / elapsed.TotalSeconds, failed, $"it received {events} events for {created} packages created");
    }

    /// <summary>Reads what the stalled subscriber was sent until the stream's <c>event: dropped</c> appears or the time is up.</summary>
    private static async Task<bool> ReadsDroppedMessageAsync(Socket socket, TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        var buffer = new byte[64 * 1024];
        var tail = string.Empty;
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
            {
                tail = (tail + Encoding.UTF8.GetString(buffer, 0, read))[^Math.Min(tail.Length + read, 4096)..];
                if (tail.Contains("event: dropped", StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return false;
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

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
