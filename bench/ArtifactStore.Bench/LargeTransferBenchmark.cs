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
/// peak resident memory (VmHWM) shows that uploads are streamed. Upload <i>i</i> sends the same bytes every
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
        if (!EnoughSpace(work, size, uploads))
        {
            Directory.Delete(work);
            return 2;
        }

        PatternStream.Prepare();
        try
        {
            using var server = BenchServer.Start(Path.Combine(work, "root"));
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = uploads })
            {
                BaseAddress = new Uri(server.Url + "/"),
                Timeout = TimeSpan.FromHours(1),
            };
            var idleRss = server.PeakRss();
            // A long-running server has its hot paths compiled by the optimizing JIT; so should the measured one.
            _ = await UploadAllAsync(http, Math.Min(size, 256L * Chunk), uploads, "bench/warm-up");

            var what = uploads == 1 ? $"{sizeMiB} MiB" : $"{uploads} x {sizeMiB} MiB at once";
            var total = size * uploads;
            var ddRates = new List<double>();
            var uploadRates = new List<double>();
            var ratios = new List<double>();
            string? id = null;
            for (var round = 1; round <= rounds; round++)
            {
                TimeSpan dd = default, upload = default, serverCpu = default;
                // Alternate which goes first, so neither always meets the other's leftover writeback.
                foreach (var ddTurn in round % 2 == 1 ? new[] { true, false } : [false, true])
                {
                    if (ddTurn)
                    {
                        dd = DdBaseline.Measure(work, sizeMiB, uploads);
                        continue;
                    }

                    var cpuBefore = server.CpuTime();
                    var watch = Stopwatch.StartNew();
                    id = (await UploadAllAsync(http, size, uploads, $"bench/large/{round}"))[0];
                    upload = watch.Elapsed;
                    serverCpu = server.CpuTime() - cpuBefore;
                }

                ddRates.Add(total / dd.TotalSeconds / 1e6);
                uploadRates.Add(total / upload.TotalSeconds / 1e6);
                ratios.Add(dd.TotalSeconds / upload.TotalSeconds);
                Console.WriteLine($"round {round}: dd {what}: {Rate(total, dd)}; upload {what}: {Rate(total, upload)}; " +
                    $"ratio {ratios[^1]:F2} (server cpu {serverCpu.TotalSeconds:F2} s, {serverCpu.TotalSeconds / (total / 1073741824.0):F2} s per GiB, {Environment.ProcessorCount} cores)");
            }

            long? downloaded = null;
            TimeSpan download = default;
            if (uploads == 1)
            {
                var watch = Stopwatch.StartNew();
                downloaded = await DownloadAsync(http, id!);
                download = watch.Elapsed;
            }

            var peakRss = server.PeakRss();
            var target = uploads == 1 ? 1.0 : 0.9;
            Console.WriteLine();
            Console.WriteLine($"| {what}, medians of {rounds} rounds | MB/s | ratio |");
            Console.WriteLine("|---|---|---|");
            Console.WriteLine($"| dd if=/dev/zero bs=1M conv=fsync, {uploads} writer(s) | {Median(ddRates):F0} | 1.00 |");
            Console.WriteLine($"| upload (multipart POST /v1/packages), {uploads} client(s) | {Median(uploadRates):F0} | {Median(ratios):F2} (target >= {target:F1}) |");
            if (downloaded is { } received)
            {
                Console.WriteLine($"| download (GET .../files/large.bin), one | {received / download.TotalSeconds / 1e6:F0} | |");
            }

            Console.WriteLine($"| server peak resident memory (VmHWM) | {peakRss / 1024} MiB (idle {idleRss / 1024} MiB) | target < 256 MiB |");
            return downloaded is null || downloaded == size ? 0 : 1;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
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
    private static bool EnoughSpace(string work, long size, int uploads)
    {
        var needed = (2 * uploads * size) + (uploads * 256L * Chunk) + (2L << 30);
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

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static string Rate(long bytes, TimeSpan elapsed) =>
        $"{bytes / elapsed.TotalSeconds / 1e6:F0} MB/s in {elapsed.TotalSeconds:F2} s";

    [GeneratedRegex("\"id\":\"([0-9a-f-]{36})\"")]
    private static partial Regex IdPattern();
}
