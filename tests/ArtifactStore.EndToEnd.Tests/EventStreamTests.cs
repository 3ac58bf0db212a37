using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// The live event stream on real server processes (docs/events.md, "The live stream"): every seq exactly once and in
/// order, across a kill -9 and restart resumed with Last-Event-ID; a stalled subscriber is dropped while writers go on.
/// </summary>
public sealed class EventStreamTests
{
    [Fact]
    public async Task a_subscriber_gets_every_seq_exactly_once_in_order_from_8_writers_across_a_restart()
    {
        using var dir = new TempDirectory();
        var root = dir.Combine("root");
        var received = new List<(long Seq, string Type)>();
        var server = await ServerProcess.StartAsync(root);
        try
        {
            // Subscribed before the first write.
            using var stream = await SseReader.OpenAsync(server.Http, lastEventId: null, query: "");
            var reading = Task.Run(() => stream.ReadUntilEndAsync(received));
            await WriteAsync(server.Http, writers: 8, each: 63, "before");
            var head = await HeadAsync(server.Http);
            await WaitUntilAsync(() => Last(received) >= head);
            await server.KillAsync();
            // The stream ends with the server; everything written was delivered before that.
            await reading.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(head, Last(received));
        }
        finally
        {
            await server.DisposeAsync();
        }

        await using var restarted = await ServerProcess.StartAsync(root);
        // Writers start again while the subscriber reconnects with the last id it got.
        var writing = WriteAsync(restarted.Http, writers: 8, each: 62, "after");
        using (var resumed = await SseReader.OpenAsync(restarted.Http, lastEventId: Last(received), query: ""))
        {
            var reading = Task.Run(() => resumed.ReadUntilEndAsync(received));
            await writing;
            var head = await HeadAsync(restarted.Http);
            await WaitUntilAsync(() => Last(received) >= head);
            resumed.Dispose();
            await reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        var seqs = received.Select(r => r.Seq).ToList();
        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
        Assert.Equal(1000, received.Count(r => r.Type == "v1.package.created"));
        Assert.Equal(await HeadAsync(restarted.Http), seqs[^1]);
    }

    [Fact]
    public async Task a_filtered_stream_sends_only_matching_events_and_heartbeats()
    {
        using var dir = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(dir.Combine("root"),
            environment: new Dictionary<string, string> { ["ARTIFACTSTORE_Events__HeartbeatInterval"] = "00:00:00.200" });
        await WriteAsync(server.Http, writers: 1, each: 3, "x");
        using var stream = await SseReader.OpenAsync(server.Http, lastEventId: null, query: "?after=0&type=v1.package.created&stream=package:");
        var received = new List<(long Seq, string Type)>();
        var reading = Task.Run(() => stream.ReadUntilEndAsync(received));
        await WaitUntilAsync(() => received.Count >= 3 && stream.Heartbeats > 0);
        Assert.All(received, r => Assert.Equal("v1.package.created", r.Type));
        Assert.Equal(new long[] { 1, 3, 5 }, received.Select(r => r.Seq));
        stream.Dispose();
        await reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        var (status, problem) = await Api.SendAsync(server.Http, HttpMethod.Get, "v1/events/stream?after=soon");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("after", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task a_stalled_subscriber_is_dropped_while_the_writers_go_on_and_it_resumes_without_gaps()
    {
        using var dir = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(dir.Combine("root"),
            environment: new Dictionary<string, string> { ["ARTIFACTSTORE_Events__StreamBuffer"] = "16" });

        // A subscriber that stops reading after the headers: a tiny receive window, so the server's writes back up.
        using var stalled = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 2048 };
        await stalled.ConnectAsync(IPAddress.Loopback, server.Port);
        await stalled.SendAsync(new ReadOnlyMemory<byte>(Encoding.ASCII.GetBytes($"GET /v1/events/stream?after=0 HTTP/1.1\r\nHost: 127.0.0.1:{server.Port}\r\nAccept: text/event-stream\r\n\r\n")));
        // And one that keeps up.
        var healthy = new List<(long Seq, string Type)>();
        using var keepingUp = await SseReader.OpenAsync(server.Http, lastEventId: 0, query: "");
        var healthyReading = Task.Run(() => keepingUp.ReadUntilEndAsync(healthy));

        // Every write succeeds although one subscriber reads nothing.
        await WriteAsync(server.Http, writers: 8, each: 150, "busy");
        var head = await HeadAsync(server.Http);
        await WaitUntilAsync(() => Last(healthy) >= head);

        // The stalled subscriber's connection was ended by the server: reading it now reaches its end.
        var text = await ReadToEndAsync(stalled, TimeSpan.FromSeconds(60));
        var ids = SseReader.Ids(text);
        Assert.Equal(Enumerable.Range(1, ids.Count).Select(i => (long)i), ids);
        Assert.True(ids.Count < head, $"the stalled subscriber got all {head} events; it was never dropped");
        if (text.Contains("event: dropped", StringComparison.Ordinal))
        {
            Assert.Contains("slow_consumer", text, StringComparison.Ordinal);
        }

        // It resumes from its last id and loses nothing.
        var rest = new List<(long Seq, string Type)>();
        using var resumed = await SseReader.OpenAsync(server.Http, lastEventId: ids.Count == 0 ? 0 : ids[^1], query: "");
        var resumedReading = Task.Run(() => resumed.ReadUntilEndAsync(rest));
        await WaitUntilAsync(() => Last(rest) >= head);
        Assert.Equal(Enumerable.Range(ids.Count + 1, (int)head - ids.Count).Select(i => (long)i), rest.Select(r => r.Seq));
        Assert.Equal(Enumerable.Range(1, (int)head).Select(i => (long)i), healthy.Select(r => r.Seq));
    }

    private static long Last(List<(long Seq, string Type)> received)
    {
        lock (received)
        {
            return received.Count == 0 ? 0 : received[^1].Seq;
        }
    }

    private static async Task WriteAsync(HttpClient http, int writers, int each, string name) =>
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < each; i++)
            {
                using var form = Api.Form($"{name}/{w}", Api.Files(($"f{i}.txt", Encoding.UTF8.GetBytes($"{name} {w} {i}"))));
                var (status, body) = await Api.PostPackageAsync(http, form);
                Assert.True(status == HttpStatusCode.Created, body.ToString());
            }
        })));

    private static async Task<long> HeadAsync(HttpClient http)
    {
        long after = 0;
        while (true)
        {
            var (_, body) = await Api.GetJsonAsync(http, $"v1/events?after={after}&limit=1000");
            var events = body.GetProperty("events");
            if (events.GetArrayLength() == 0)
            {
                return after;
            }

            after = events[events.GetArrayLength() - 1].GetProperty("seq").GetInt64();
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var deadline = DateTime.UtcNow.AddMinutes(1); !condition(); await Task.Delay(20))
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the stream");
        }
    }

    private static async Task<string> ReadToEndAsync(Socket socket, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, cancel.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (SocketException)
        {
            // Reset by the server: also an end.
        }
        catch (OperationCanceledException)
        {
            // Checked below.
        }

        Assert.False(cancel.IsCancellationRequested, "the stalled subscriber's stream never ended");
        return Dechunk(received.ToArray());
    }

    /// <summary>The body of a raw HTTP/1.1 response in chunked transfer coding, as far as it arrived.</summary>
    private static string Dechunk(byte[] response)
    {
        var text = Encoding.Latin1.GetString(response);
        var position = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(position > 0, "no response headers arrived");
        Assert.StartsWith("HTTP/1.1 200", text, StringComparison.Ordinal);
        position += 4;
        var body = new MemoryStream();
        while (true)
        {
            var lineEnd = text.IndexOf("\r\n", position, StringComparison.Ordinal);
            if (lineEnd < 0)
            {
                break;
            }

            var size = int.Parse(text.AsSpan(position, lineEnd - position), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                break;
            }

            var take = Math.Min(size, response.Length - (lineEnd + 2));
            body.Write(response, lineEnd + 2, take);
            position = lineEnd + 2 + size + 2;
            if (take < size || position > response.Length)
            {
                break;
            }
        }

        return Encoding.UTF8.GetString(body.ToArray());
    }

    /// <summary>Reads <c>/v1/events/stream</c> the way an EventSource does.</summary>
    private sealed class SseReader : IDisposable
    {
        private readonly HttpResponseMessage _response;
        private readonly StreamReader _reader;

        private SseReader(HttpResponseMessage response, Stream body)
        {
            _response = response;
            _reader = new StreamReader(body);
        }

        public int Heartbeats { get; private set; }

        public static async Task<SseReader> OpenAsync(HttpClient http, long? lastEventId, string query)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "v1/events/stream" + query);
            if (lastEventId is { } id)
            {
                request.Headers.Add("Last-Event-ID", id.ToString(CultureInfo.InvariantCulture));
            }

            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            return new SseReader(response, await response.Content.ReadAsStreamAsync());
        }

        /// <summary>Adds each event to <paramref name="received"/> until the stream ends (or is disposed).</summary>
        public async Task ReadUntilEndAsync(List<(long Seq, string Type)> received)
        {
            long? id = null;
            string? type = null;
            try
            {
                while (await _reader.ReadLineAsync() is { } line)
                {
                    if (line.StartsWith("id: ", StringComparison.Ordinal))
                    {
                        id = long.Parse(line[4..], CultureInfo.InvariantCulture);
                    }
                    else if (line.StartsWith("event: ", StringComparison.Ordinal))
                    {
                        type = line[7..];
                    }
                    else if (line.StartsWith(':'))
                    {
                        Heartbeats++;
                    }
                    else if (line.Length == 0 && id is { } seq)
                    {
                        lock (received)
                        {
                            received.Add((seq, type!));
                        }

                        (id, type) = (null, null);
                    }
                }
            }
            catch (Exception e) when (e is IOException or HttpRequestException or ObjectDisposedException)
            {
                // The server went away, or the test closed the stream.
            }
        }

        /// <summary>The ids of the complete messages in raw stream text.</summary>
        public static List<long> Ids(string text) =>
            [.. text.Split("\n\n").SkipLast(1).Where(m => m.Contains("\ndata: ", StringComparison.Ordinal))
                .SelectMany(m => m.Split('\n').Where(l => l.StartsWith("id: ", StringComparison.Ordinal)))
                .Select(l => long.Parse(l[4..], CultureInfo.InvariantCulture))];

        public void Dispose()
        {
            _reader.Dispose();
            _response.Dispose();
        }
    }
}
