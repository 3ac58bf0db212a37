using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// The live event stream on real server processes (docs/events.md, "The live stream"): every seq exactly once and in
/// order, across a kill -9 and restart resumed with Last-Event-ID; filters and heartbeats; a stalled reader is
/// dropped while writers and a reader that keeps up go on.
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
            await reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
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
        await reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);

        var (status, problem) = await Api.SendAsync(server.Http, HttpMethod.Get, "v1/events/stream?after=soon");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("after", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task a_stalled_subscriber_is_dropped_while_the_writers_and_a_reader_that_keeps_up_go_on()
    {
        using var dir = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(dir.Combine("root"),
            environment: new Dictionary<string, string> { ["ARTIFACTSTORE_Events__StreamBuffer"] = "16" });

        // A reader that keeps up, with a buffer far smaller than the burst below.
        using var healthy = await SseReader.OpenAsync(server.Http, lastEventId: null, query: "");
        var received = new List<(long Seq, string Type)>();
        var reading = Task.Run(() => healthy.ReadUntilEndAsync(received));

        // A reader that stops reading after the response headers, with a receive buffer as small as the kernel allows,
        // so the server's writes to it block once its socket's send buffer is full.
        using var stalled = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await stalled.ConnectAsync(IPAddress.Loopback, server.Http.BaseAddress!.Port);
        await stalled.SendAsync(Encoding.ASCII.GetBytes($"GET /v1/events/stream HTTP/1.1\r\nHost: 127.0.0.1:{server.Http.BaseAddress.Port}\r\n\r\n"));
        var stalledText = new StringBuilder();
        await ReadUntilAsync(stalled, stalledText, "retry: 1000");

        // Events large enough (a package of 200 files lists 200 digests) that the burst overflows every buffer on the way.
        var files = Enumerable.Range(0, 200).Select(i => ($"dir/file-{i:D3}.txt", Encoding.UTF8.GetBytes("same bytes"))).ToArray();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
            {
                using var form = Api.Form($"burst/{w}", Api.Files(files));
                var (status, body) = await Api.PostPackageAsync(server.Http, form);
                Assert.True(status == HttpStatusCode.Created, body.ToString());
            }
        })));

        // The reader that kept up got everything and was never dropped.
        var head = await HeadAsync(server.Http);
        await WaitUntilAsync(() => Last(received) >= head);
        Assert.Equal(Enumerable.Range(1, (int)head).Select(i => (long)i), received.Select(r => r.Seq));
        Assert.False(healthy.Dropped);

        // The stalled one, once it reads again, gets what was buffered for it and then the message that it was dropped.
        await ReadUntilAsync(stalled, stalledText, "\"reason\":\"slow_consumer\"");
        Assert.Contains("event: dropped", stalledText.ToString(), StringComparison.Ordinal);

        healthy.Dispose();
        await reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
    }

    private static async Task ReadUntilAsync(Socket socket, StringBuilder text, string marker)
    {
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (!text.ToString().Contains(marker, StringComparison.Ordinal))
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            Assert.True(read > 0, $"the connection ended before '{marker}' arrived");
            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }
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

        /// <summary>True once the server said it dropped this stream (an <c>event: dropped</c> message).</summary>
        public bool Dropped { get; private set; }

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
                    else if (line.Length == 0 && id is null && type == "dropped")
                    {
                        Dropped = true;
                        type = null;
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

        public void Dispose()
        {
            _reader.Dispose();
            _response.Dispose();
        }
    }
}
