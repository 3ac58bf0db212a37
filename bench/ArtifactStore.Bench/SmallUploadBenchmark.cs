using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace ArtifactStore.Bench;

/// <summary>
/// Small durable uploads: concurrent clients each create packages of one 4 KiB file (every file distinct)
/// through real servers for a fixed time. The baseline, measured in the same run on the same disk, is one
/// thread doing what a store that pays per item must do for each: create a new file, write 4 KiB, fsync it,
/// fsync its directory. Two servers run side by side: small blobs kept inline in the database (the default,
/// docs/upload.md "Small blobs") and every blob a file (<c>Uploads:InlineMaxBytes=0</c>, the placement
/// before it). The three are measured in interleaved rounds after an unmeasured warm-up of each server; the inline
/// server is loaded by three clients in turn: this process's HttpClients with bodies prepared before the timed
/// window (<see cref="SmallUploadBody"/>), <c>wrk</c> with a Lua script (<see cref="SmallUploadWrk"/>), and the
/// former client that builds a form per request. The table shows medians, p99 latency, server and client CPU per
/// package and the ratio to the baseline (docs/performance.md: at least 3, p99 under 50 ms); the run ends by checking
/// each server's acknowledged packages against what its store holds.
/// Usage: artifactstore-bench small [seconds per round] [clients] [warm-up seconds] [rounds] [file bytes] (defaults 5, 16, 8, 3, 4096;
/// a larger file size, up to the inline threshold, shows what inline placement costs near it).
/// With ARTIFACTSTORE_BENCH_BEFORE_DLL naming another build's artifactstore.dll, that build (inline, its defaults)
/// runs in the same rounds, right after this build's inline server, and the table adds this build against it
/// (packages/s and server CPU per package): before/after figures on a busy machine.
/// </summary>
internal static class SmallUploadBenchmark
{
    private const int DefaultFileSize = 4096;

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        var clients = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 16;
        var warmUp = TimeSpan.FromSeconds(args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 8);
        var rounds = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 3;
        var fileSize = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : DefaultFileSize;
        var duration = TimeSpan.FromSeconds(seconds);
        var work = Path.Combine(Path.GetTempPath(), "as-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var inProcess = await SmallUploadInProcess.RunAsync(Path.Combine(work, "in-process"), clients, warmUp, duration);
            Console.WriteLine($"in-process {clients} callers of PackageService (no HTTP, inline): {inProcess.Rate:F0} packages/s ({inProcess.Created} created in {inProcess.Batches} commits), " +
                $"{inProcess.CpuMsPerPackage:F3} ms CPU and {inProcess.SwitchesPerPackage:F2} voluntary context switches per package");

            using var inline = BenchServer.Start(Path.Combine(work, "inline"));
            using var files = BenchServer.Start(Path.Combine(work, "files"),
                new Dictionary<string, string> { ["ARTIFACTSTORE_Uploads__InlineMaxBytes"] = "0" });
            using var before = Environment.GetEnvironmentVariable("ARTIFACTSTORE_BENCH_BEFORE_DLL") is { Length: > 0 } beforeDll
                ? BenchServer.StartBuild(beforeDll, Path.Combine(work, "before"), environment: null)
                : null;
            using var inlineHttp = Client(inline, clients);
            using var filesHttp = Client(files, clients);
            using var beforeHttp = before is null ? null : Client(before, clients);
            var wrk = SmallUploadWrk.Ensure();
            if (!wrk)
            {
                Console.Error.WriteLine("wrk is not available: the table has the .NET client's lines only");
            }

            // What each server acknowledged (201), to be checked against what its store holds at the end.
            var acknowledged = new Dictionary<BenchServer, Acknowledged>();
            foreach (var server in new[] { inline, files, before })
            {
                if (server is not null)
                {
                    acknowledged[server] = new Acknowledged();
                }
            }

            // Unmeasured warm-up: a long-running server has its hot paths compiled by the optimizing JIT
            // (on 2 busy cores tiering takes seconds; a cold server spends most of its CPU in the JIT).
            acknowledged[inline].Add(await LoadAsync([inlineHttp], clients, warmUp, round: 0, fileSize: fileSize));
            acknowledged[files].Add(await LoadAsync([filesHttp], clients, warmUp, round: 0, fileSize: fileSize));
            if (before is not null && beforeHttp is not null)
            {
                acknowledged[before].Add(await LoadAsync([beforeHttp], clients, warmUp, round: 0, fileSize: fileSize));
            }

            var baseline = new List<Measured>();
            var inlineRuns = new List<Measured>();
            var inlineWrkRuns = new List<Measured>();
            var inlineFormRuns = new List<Measured>();
            var fileRuns = new List<Measured>();
            var beforeRuns = new List<Measured>();
            var beforeWrkRuns = new List<Measured>();
            for (var round = 1; round <= rounds; round++)
            {
                baseline.Add(CreateWriteFsyncEach(Path.Combine(work, "baseline-" + round), duration, fileSize));
                fileRuns.Add(await MeasureAsync(files, filesHttp, clients, duration, round, fileSize, acknowledged[files]));
                inlineRuns.Add(await MeasureAsync(inline, inlineHttp, clients, duration, round, fileSize, acknowledged[inline]));
                inlineFormRuns.Add(await MeasureAsync(inline, inlineHttp, clients, duration, round, fileSize, acknowledged[inline], formPerRequest: true));
                if (wrk)
                {
                    inlineWrkRuns.Add(MeasureWrk(inline, work, clients, duration, fileSize, acknowledged[inline]));
                }

                if (before is not null && beforeHttp is not null)
                {
                    beforeRuns.Add(await MeasureAsync(before, beforeHttp, clients, duration, round, fileSize, acknowledged[before]));
                    if (wrk)
                    {
                        beforeWrkRuns.Add(MeasureWrk(before, work, clients, duration, fileSize, acknowledged[before]));
                    }
                }

                Console.WriteLine($"round {round}: baseline {baseline[^1].Rate:F0}/s, files {fileRuns[^1].Rate:F0}/s, " +
                    $"inline {Describe(inlineRuns)}{(wrk ? ", inline (wrk) " + Describe(inlineWrkRuns) : string.Empty)}" +
                    (before is null ? string.Empty : $", before {Describe(beforeRuns)}{(wrk ? ", before (wrk) " + Describe(beforeWrkRuns) : string.Empty)}"));
            }

            var baseRate = Median(baseline.Select(b => b.Rate));
            Console.WriteLine();
            Console.WriteLine($"small durable writes: {clients} clients, unique {fileSize} B files, one-file packages; medians of {rounds} interleaved rounds of {seconds:F0} s");
            Console.WriteLine("(client: .NET = this process's HttpClients, bodies prepared before the timed window (or, the bench's client before, a form built per request); wrk = wrk -t2 -c" +
                $"{clients} with a Lua script; client CPU per item is the load generator's own CPU)");
            Console.WriteLine("| what | client | items/s | p99 | server CPU per item | client CPU per item | ratio to baseline |");
            Console.WriteLine("|---|---|---|---|---|---|---|");
            Console.WriteLine($"| baseline: one thread, create + write {fileSize} B + fsync + directory fsync | - | {baseRate:F0} | {Median(baseline.Select(b => b.P99)):F1} ms | - | - | 1.00 |");
            Row("ArtifactStore, every blob a file (Uploads:InlineMaxBytes=0)", ".NET", fileRuns, baseRate);
            Row("ArtifactStore, small blobs inline (default)", ".NET", inlineRuns, baseRate);
            Row("ArtifactStore, small blobs inline (default)", "wrk", inlineWrkRuns, baseRate);
            Row("ArtifactStore, small blobs inline (default)", ".NET, a MultipartFormDataContent per request", inlineFormRuns, baseRate);
            Row("ArtifactStore, small blobs inline, the build before (ARTIFACTSTORE_BENCH_BEFORE_DLL)", ".NET", beforeRuns, baseRate);
            Row("ArtifactStore, small blobs inline, the build before (ARTIFACTSTORE_BENCH_BEFORE_DLL)", "wrk", beforeWrkRuns, baseRate);
            Compare(".NET", inlineRuns, beforeRuns);
            Compare("wrk", inlineWrkRuns, beforeWrkRuns);

            // Honesty: every acknowledged package must be in the store. The .NET clients await every answer, so the
            // counts are equal; wrk stops with up to one request per connection in flight, which the server may
            // still have stored, so its store may hold up to that many more per run.
            var failed = 0L;
            var consistent = true;
            foreach (var (server, counts) in acknowledged)
            {
                var stored = await StoredPackagesAsync(server);
                var slack = (long)counts.WrkRuns * clients;
                var ok = stored >= counts.Created && stored <= counts.Created + slack;
                consistent &= ok;
                failed += counts.Failed;
                Console.WriteLine($"{server.Url}: acknowledged {counts.Created} packages (201), the store holds {stored}" +
                    (slack > 0 ? $" (up to {slack} more allowed: requests in flight when wrk stopped)" : string.Empty) + (ok ? string.Empty : " MISMATCH"));
            }

            Console.WriteLine($"target: inline >= 3.00 x baseline with p99 < 50 ms; failed uploads: {failed}");
            return failed == 0 && consistent ? 0 : 1;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private sealed record Measured(double Rate, double P99, double CpuMsPerItem, double ClientCpuMsPerItem, long Failed);

    /// <summary>A server's acknowledged packages over the whole run, and how many wrk runs it served.</summary>
    private sealed class Acknowledged
    {
        public long Created { get; private set; }

        public long Failed { get; private set; }

        public int WrkRuns { get; private set; }

        public void Add((long Created, long Failed, TimeSpan Elapsed) load)
        {
            Created += load.Created;
            Failed += load.Failed;
        }

        public void Add(WrkRun run)
        {
            Created += run.Created;
            Failed += run.Failed;
            WrkRuns++;
        }
    }

    private static string Describe(List<Measured> runs) =>
        runs.Count == 0 ? "-" : $"{runs[^1].Rate:F0}/s ({runs[^1].CpuMsPerItem:F2} ms server, {runs[^1].ClientCpuMsPerItem:F2} ms client CPU per package)";

    private static void Compare(string client, List<Measured> after, List<Measured> before)
    {
        if (after.Count > 0 && before.Count > 0)
        {
            Console.WriteLine($"this build / the build before ({client} client): packages/s {Median(after.Select(r => r.Rate)) / Median(before.Select(r => r.Rate)):F2}, " +
                $"server CPU per package {Median(after.Select(r => r.CpuMsPerItem)) / Median(before.Select(r => r.CpuMsPerItem)):F2}");
        }
    }

    /// <summary>How many live packages the server's store holds (every page of <c>GET /v1/packages</c>).</summary>
    private static async Task<long> StoredPackagesAsync(BenchServer server)
    {
        using var http = new HttpClient { BaseAddress = new Uri(server.Url + "/") };
        long count = 0;
        string? cursor = null;
        do
        {
            var page = "v1/packages?limit=1000" + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor));
            using var document = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(new Uri(page, UriKind.Relative)));
            count += document.RootElement.GetProperty("items").GetArrayLength();
            cursor = document.RootElement.TryGetProperty("next_cursor", out var next) && next.ValueKind == System.Text.Json.JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);
        return count;
    }

    private static Measured MeasureWrk(BenchServer server, string work, int clients, TimeSpan duration, int fileSize, Acknowledged acknowledged)
    {
        var cpu = server.CpuTime();
        var run = SmallUploadWrk.Run(server.Url, work, clients, duration, fileSize);
        cpu = server.CpuTime() - cpu;
        acknowledged.Add(run);
        return new Measured(run.Created / run.Elapsed.TotalSeconds, run.P99, run.Created == 0 ? 0 : cpu.TotalMilliseconds / run.Created,
            run.Created == 0 ? 0 : run.ClientCpu.TotalMilliseconds / run.Created, run.Failed);
    }

    private static HttpClient Client(BenchServer server, int clients) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { BaseAddress = new Uri(server.Url + "/") };

    private static void Row(string what, string client, List<Measured> runs, double baseRate)
    {
        if (runs.Count == 0)
        {
            return;
        }

        var rate = Median(runs.Select(r => r.Rate));
        Console.WriteLine($"| {what} | {client} | {rate:F0} | {Median(runs.Select(r => r.P99)):F1} ms | {Median(runs.Select(r => r.CpuMsPerItem)):F2} ms | " +
            $"{Median(runs.Select(r => r.ClientCpuMsPerItem)):F2} ms | {rate / baseRate:F2} |");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static async Task<Measured> MeasureAsync(BenchServer server, HttpClient http, int clients, TimeSpan duration, int round, int fileSize, Acknowledged acknowledged, bool formPerRequest = false)
    {
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        var cpu = server.CpuTime();
        // This process does nothing else meanwhile: its CPU over the load is the load generator's.
        var clientCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var load = await LoadAsync([http], clients, duration, round, latencies, fileSize, formPerRequest);
        clientCpu = Process.GetCurrentProcess().TotalProcessorTime - clientCpu;
        cpu = server.CpuTime() - cpu;
        acknowledged.Add(load);
        var (created, failed, elapsed) = load;
        return new Measured(created / elapsed.TotalSeconds, Percentile99(latencies), created == 0 ? 0 : cpu.TotalMilliseconds / created,
            created == 0 ? 0 : clientCpu.TotalMilliseconds / created, failed);
    }

    private static double Percentile99(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(sorted.Length * 0.99) - 1)];
    }

    /// <summary>Every client uploads back to back until the time is up; counts 201s and anything else.</summary>
    internal static Task<(long Created, long Failed, TimeSpan Elapsed)> LoadAsync(HttpClient http, int clients, TimeSpan duration, int round) =>
        LoadAsync([http], clients, duration, round);

    /// <summary>
    /// The same load spread over several servers (replicas of one store): client <c>c</c> talks to server <c>c mod n</c>.
    /// Each request's latency in milliseconds goes to <paramref name="latencies"/> when given.
    /// </summary>
    internal static async Task<(long Created, long Failed, TimeSpan Elapsed)> LoadAsync(
        IReadOnlyList<HttpClient> servers, int clients, TimeSpan duration, int round, System.Collections.Concurrent.ConcurrentBag<double>? latencies = null, int fileSize = DefaultFileSize,
        bool formPerRequest = false)
    {
        long created = 0;
        long failed = 0;
        // Bodies are built before the timed window; each request only stamps its numbers into its client's body.
        var bodies = Enumerable.Range(0, clients + 1).Select(client => new SmallUploadBody(client, fileSize)).ToArray();
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(1, clients).Select(client => Task.Run(async () =>
        {
            var http = servers[client % servers.Count];
            var body = bodies[client];
            for (var n = 0; watch.Elapsed < duration; n++)
            {
                var started = Stopwatch.GetTimestamp();
                var ok = formPerRequest ? await UploadFormAsync(http, client, n, round, fileSize) : await UploadAsync(http, body.Next(n, round));
                latencies?.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (ok)
                {
                    Interlocked.Increment(ref created);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }
            }
        })));
        return (created, failed, watch.Elapsed);
    }

    /// <summary>
    /// The baseline: one thread that, for every item, creates a new file, writes 4 KiB to it, fsyncs it and
    /// fsyncs the directory (what makes the new name durable): items per second, and the p99 of one item.
    /// </summary>
    private static Measured CreateWriteFsyncEach(string directory, TimeSpan duration, int fileSize)
    {
        Directory.CreateDirectory(directory);
        var block = new byte[fileSize];
        Random.Shared.NextBytes(block);
        var latencies = new List<double>();
        var watch = Stopwatch.StartNew();
        for (var i = 0; watch.Elapsed < duration; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using (var file = new FileStream(Path.Combine(directory, i.ToString(CultureInfo.InvariantCulture)), FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                file.Write(block);
                file.Flush(flushToDisk: true);
            }

            ArtifactStore.Core.Platform.Posix.FsyncDirectory(directory);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        watch.Stop();
        Directory.Delete(directory, recursive: true);
        return new Measured(latencies.Count / watch.Elapsed.TotalSeconds, Percentile99(latencies), 0, 0, 0);
    }

    private static readonly Uri PackagesPath = new("v1/packages", UriKind.Relative);

    /// <summary>
    /// The bench's client before its bodies were prepared (kept as a line of the table, to show what a client that
    /// builds a form per request costs): random bytes, a form, two parts and their headers for every upload.
    /// </summary>
    private static async Task<bool> UploadFormAsync(HttpClient http, int client, int n, int round, int fileSize)
    {
        var content = new byte[fileSize];
        Random.Shared.NextBytes(content);
        // Distinct content per upload ('f': this client's uploads; prepared bodies use 'h', wrk's start with 'w').
        BinaryPrimitives.WriteInt32LittleEndian(content, client);
        BinaryPrimitives.WriteInt32LittleEndian(content.AsSpan(4), n);
        BinaryPrimitives.WriteInt32LittleEndian(content.AsSpan(8), round);
        content[12] = (byte)'f';
        using var form = new MultipartFormDataContent { { new StringContent($"bench/small/{client}"), "name" } };
        var part = new ByteArrayContent(content);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(part, "file", $"f{n}.bin");
        using var response = await http.PostAsync(PackagesPath, form);
        return response.StatusCode == HttpStatusCode.Created;
    }

    private static async Task<bool> UploadAsync(HttpClient http, ByteArrayContent body)
    {
        using (body)
        {
            using var response = await http.PostAsync(PackagesPath, body);
            return response.StatusCode == HttpStatusCode.Created;
        }
    }
}
