using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace ArtifactStore.Bench;

/// <summary>
/// Large uploads through a real server against real <c>dd if=/dev/zero bs=1M conv=fsync</c> writing the
/// same number of bytes to the same disk, in the same run (docs/performance.md, "Large uploads").
/// <list type="bullet">
/// <item><c>large [MiB] [rounds]</c> (defaults 1024 and 3): one upload against one <c>dd</c>, then one download.</item>
/// <item><c>large-concurrent [MiB] [rounds] [uploads]</c> (defaults 1024, 3 and 4): that many uploads at once
/// against as many <c>dd</c> writers at once; the figure is aggregate throughput (all bytes over the time from
/// the first start to the last finish).</item>
/// </list>
/// The machine is shared, so <c>dd</c> and the uploads alternate for a few rounds (the order swaps every round)
/// and the median of the per-round ratios is reported; an unmeasured warm-up upload comes first. The server's
/// peak resident memory (VmHWM) shows that uploads are streamed. With ARTIFACTSTORE_BENCH_BEFORE_DLL naming another
/// build's artifactstore.dll, that build runs as a second server in the same rounds, and the table ends with this build
/// against it (throughput and server CPU per GiB, medians of the per-round ratios). Upload <i>i</i> sends the same bytes every
/// round (so rounds after the first find the blob already stored and disk use stays at uploads × size); the
/// uploads of one round are distinct blobs.
/// </summary>
internal static partial class LargeTransferBenchmark
{
    private const int Chunk = 1024 * 1024;

    // Distinct offsets into the generator's block: each concurrent upload is a different blob.
    private const long ContentStride = 4099L * 1024;

    public static Task<int> RunSingleAsync(string[] args) =>
        RunAsync(sizeMiB: IntArgument(args, 0, 1024), rounds: IntArgument(args, 1, 3), uploads: 1);

    public static Task<int> RunConcurrentAsync(string[] args) =>
        RunAsync(sizeMiB: IntArgument(args, 0, 1024), rounds: IntArgument(args, 1, 3), uploads: IntArgument(args, 2, 4));

    private static async Task<int> RunAsync(int sizeMiB, int rounds, int uploads)
    {
        var size = (long)sizeMiB * Chunk;
        var work = Path.Combine(Path.GetTempPath(), "as-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        var servers = Environment.GetEnvironmentVariable("ARTIFACTSTORE_BENCH_BEFORE_DLL") is { Length: > 0 } ? 2 : 1;
        if (!EnoughSpace(work, size, uploads, servers))
        {
            Directory.Delete(work);
            return 2;
        }

        PatternStream.Prepare();
        try
        {
            using var server = BenchServer.Start(Path.Combine(work, "root"));
            using var before = Environment.GetEnvironmentVariable("ARTIFACTSTORE_BENCH_BEFORE_DLL") is { Length: > 0 } beforeDll
                ? BenchServer.StartBuild(beforeDll, Path.Combine(work, "before"), environment: null)
                : null;
            var targets = new List<Target> { new("this build", server, Client(server, uploads)) };
            if (before is not null)
            {
                targets.Add(new("the build before", before, Client(before, uploads)));
            }

            var idleRss = server.PeakRss();
            // A long-running server has its hot paths compiled by the optimizing JIT; so should the measured one.
            foreach (var target in targets)
            {
                _ = await UploadAllAsync(target.Http, Math.Min(size, 256L * Chunk), uploads, "bench/warm-up");
            }

            var what = uploads == 1 ? $"{sizeMiB} MiB" : $"{uploads} x {sizeMiB} MiB at once";
            var total = size * uploads;
            var ddRates = new List<double>();
            var ddFirst = new List<bool>();
            string? id = null;
            for (var round = 1; round <= rounds; round++)
            {
                // dd and every build take turns; the order rotates every round, so none always meets another's
                // leftover writeback or always runs first.
                var turns = Enumerable.Range(0, targets.Count + 1).Select(i => (i + round - 1) % (targets.Count + 1)).ToList();
                TimeSpan dd = default;
                var line = new List<string>();
                foreach (var turn in turns)
                {
                    if (turn == targets.Count)
                    {
                        dd = DdBaseline.Measure(work, sizeMiB, uploads);
                        continue;
                    }

                    var target = targets[turn];
                    var cpuBefore = target.Server.CpuTime();
                    var watch = Stopwatch.StartNew();
                    var ids = await UploadAllAsync(target.Http, size, uploads, $"bench/large/{round}");
                    target.Elapsed.Add(watch.Elapsed);
                    target.CpuPerGiB.Add((target.Server.CpuTime() - cpuBefore).TotalSeconds / (total / 1073741824.0));
                    if (turn == 0)
                    {
                        id = ids[0];
                    }
                }

                ddRates.Add(total / dd.TotalSeconds / 1e6);
                ddFirst.Add(turns[0] == targets.Count);
                foreach (var target in targets)
                {
                    target.Ratios.Add(dd.TotalSeconds / target.Elapsed[^1].TotalSeconds);
                    line.Add($"upload {what} ({target.Name}): {Rate(total, target.Elapsed[^1])}, ratio {target.Ratios[^1]:F2}, server cpu {target.CpuPerGiB[^1]:F2} s per GiB");
                }

                Console.WriteLine($"round {round}: dd {what}: {Rate(total, dd)}; {string.Join("; ", line)} ({Environment.ProcessorCount} cores)");
            }

            long? downloaded = null;
            TimeSpan download = default;
            if (uploads == 1)
            {
                var watch = Stopwatch.StartNew();
                downloaded = await DownloadAsync(targets[0].Http, id!);
                download = watch.Elapsed;
            }

            var target0 = uploads == 1 ? 1.0 : 0.9;
            Console.WriteLine();
            Console.WriteLine($"| {what}, medians of {rounds} rounds | MB/s | ratio to dd | server CPU per GiB | server peak RSS (VmHWM) |");
            Console.WriteLine("|---|---|---|---|---|");
            Console.WriteLine($"| dd if=/dev/zero bs=1M conv=fsync, {uploads} writer(s) | {Median(ddRates):F0} | 1.00 | | |");
            foreach (var target in targets)
            {
                Console.WriteLine($"| upload (multipart POST /v1/packages), {uploads} client(s), {target.Name} | {Median(target.Elapsed.Select(e => total / e.TotalSeconds / 1e6)):F0} | " +
                    $"{Median(target.Ratios):F2} (target >= {target0:F1}) | {Median(target.CpuPerGiB):F2} s | {target.Server.PeakRss() / 1024} MiB (idle {idleRss / 1024} MiB; target < 256 MiB) |");
            }

            if (downloaded is { } received)
            {
                Console.WriteLine($"| download (GET .../files/large.bin), one, this build | {received / download.TotalSeconds / 1e6:F0} | | | |");
            }

            // dd's speed on this kind of disk depends on what ran just before it, so the medians by dd's place in the round
            // show which of its states each ratio was measured against (docs/performance.md, "Where the targets still unmet stop").
            foreach (var first in new[] { true, false })
            {
                var placed = Enumerable.Range(0, ddRates.Count).Where(i => ddFirst[i] == first).ToList();
                if (placed.Count > 0)
                {
                    Console.WriteLine($"rounds where dd ran {(first ? "first" : "after uploads")} ({placed.Count}): dd {Median(placed.Select(i => ddRates[i])):F0} MB/s, " +
                        $"{targets[0].Name} ratio {Median(placed.Select(i => targets[0].Ratios[i])):F2}");
                }
            }

            if (targets.Count == 2)
            {
                // Per round, so that both builds are compared under the same load.
                var speed = Median(targets[0].Elapsed.Zip(targets[1].Elapsed, (now, then) => then.TotalSeconds / now.TotalSeconds));
                var cpu = Median(targets[0].CpuPerGiB.Zip(targets[1].CpuPerGiB, (now, then) => now / then));
                Console.WriteLine($"this build / the build before (medians of per-round ratios): throughput {speed:F2}, server CPU per GiB {cpu:F2}");
            }

            foreach (var target in targets)
            {
                target.Http.Dispose();
            }

            return downloaded is null || downloaded == size ? 0 : 1;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static HttpClient Client(BenchServer server, int uploads) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = uploads })
        {
            BaseAddress = new Uri(server.Url + "/"),
            Timeout = TimeSpan.FromHours(1),
        };

    /// <summary>One server measured in the rounds: its timings, CPU per GiB and ratios to dd.</summary>
    private sealed record Target(string Name, BenchServer Server, HttpClient Http)
    {
        public List<TimeSpan> Elapsed { get; } = [];

        public List<double> CpuPerGiB { get; } = [];

        public List<double> Ratios { get; } = [];
    }

    /// <summary>Starts <paramref name="count"/> uploads at once and waits for all; answers their package ids.</summary>
    private static async Task<string[]> UploadAllAsync(HttpClient http, long size, int count, string name) =>
        await Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(() => UploadAsync(http, size, $"{name}/{i}", i * ContentStride))));

    internal static async Task<string> UploadAsync(HttpClient http, long size, string name, long contentStart = 0)
    {
        using var form = new MultipartFormDataContent { { new StringContent(name), "name" } };
        var part = new StreamContent(new PatternStream(size, contentStart), Chunk);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(part, "file", "large.bin");
        using var created = await http.PostAsync("v1/packages", form);
        created.EnsureSuccessStatusCode();
        var body = await created.Content.ReadAsStringAsync();
        return IdPattern().Match(body).Groups[1].Value;
    }

    private static async Task<long> DownloadAsync(HttpClient http, string id)
    {
        using var response = await http.GetAsync($"v1/packages/{id}/files/large.bin", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[Chunk];
        long received = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            received += read;
        }

        return received;
    }

    /// <summary>
    /// The run needs the uploads' blobs, their dd files while dd runs, and the warm-up: refuse to start (and
    /// say how to make a shorter run) rather than fill a shared disk.
    /// </summary>
    private static bool EnoughSpace(string work, long size, int uploads, int servers)
    {
        var needed = ((servers + 1) * uploads * size) + (servers * uploads * 256L * Chunk) + (2L << 30);
        var available = new DriveInfo(work).AvailableFreeSpace;
        if (available >= needed)
        {
            return true;
        }

        Console.Error.WriteLine($"not enough free space in {Path.GetTempPath()}: {available >> 20} MiB free, about {needed >> 20} MiB needed; pass a smaller size in MiB");
        return false;
    }

    private static int IntArgument(string[] args, int index, int fallback) =>
        args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static string Rate(long bytes, TimeSpan elapsed) =>
        $"{bytes / elapsed.TotalSeconds / 1e6:F0} MB/s in {elapsed.TotalSeconds:F2} s";

    [GeneratedRegex("\"id\":\"([0-9a-f-]{36})\"")]
    private static partial Regex IdPattern();
}
