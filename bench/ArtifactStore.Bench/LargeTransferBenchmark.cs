using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace ArtifactStore.Bench;

/// <summary>
/// Uploads and downloads one large file through a real server and compares the upload with the
/// baseline of writing and fsyncing the same bytes to the same disk, in the same run. Baseline and
/// upload alternate for a few rounds (the machine is shared, so single figures are noisy) and the
/// median ratio is reported; an unmeasured warm-up upload comes first. Reports the server's peak resident memory (VmHWM) to show that
/// transfers are streamed.
/// Usage: artifactstore-bench [size-in-MiB] [rounds] (defaults 2048 and 3).
/// </summary>
internal static partial class LargeTransferBenchmark
{
    private const int Chunk = 1024 * 1024;

    public static async Task<int> RunAsync(string[] args)
    {
        var sizeMiB = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2048;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var size = (long)sizeMiB * Chunk;
        var work = Path.Combine(Path.GetTempPath(), "as-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        PatternStream.Prepare();
        try
        {
            using var server = BenchServer.Start(Path.Combine(work, "root"));
            using var http = new HttpClient { BaseAddress = new Uri(server.Url + "/"), Timeout = TimeSpan.FromHours(1) };
            var idleRss = server.PeakRss();
            // A long-running server has its hot paths compiled by the optimizing JIT; so should the measured one.
            _ = await UploadAsync(http, Math.Min(size, 256L * Chunk), "bench/warm-up");
            var ratios = new List<double>();
            string? id = null;
            for (var round = 1; round <= rounds; round++)
            {
                var baseline = WriteAndFsync.Measure(Path.Combine(work, "baseline.bin"), size);
                Console.WriteLine($"round {round}: baseline write+fsync {sizeMiB} MiB: {Rate(size, baseline)}");

                var serverCpu = server.CpuTime();
                var clientCpu = Process.GetCurrentProcess().TotalProcessorTime;
                var upload = Stopwatch.StartNew();
                id = await UploadAsync(http, size, $"bench/large/{round}");
                upload.Stop();
                serverCpu = server.CpuTime() - serverCpu;
                clientCpu = Process.GetCurrentProcess().TotalProcessorTime - clientCpu;
                var ratio = baseline.TotalSeconds / upload.Elapsed.TotalSeconds;
                ratios.Add(ratio);
                Console.WriteLine($"round {round}: upload {sizeMiB} MiB: {Rate(size, upload.Elapsed)}, ratio {ratio:F2} " +
                    $"(cpu: server {serverCpu.TotalSeconds:F2} s, client {clientCpu.TotalSeconds:F2} s, {Environment.ProcessorCount} cores)");
            }

            ratios.Sort();
            Console.WriteLine($"upload/baseline ratio, median of {rounds}: {ratios[ratios.Count / 2]:F2} (target >= 0.80)");

            var download = Stopwatch.StartNew();
            using var response = await http.GetAsync($"v1/packages/{id}/files/large.bin", HttpCompletionOption.ResponseHeadersRead);
            await using var stream = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[Chunk];
            long received = 0;
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                received += read;
            }

            download.Stop();
            Console.WriteLine($"download {sizeMiB} MiB: {Rate(received, download.Elapsed)}");
            Console.WriteLine($"server peak resident memory: {server.PeakRss() / 1024} MiB (idle {idleRss / 1024} MiB, target < 256 MiB)");
            return received == size ? 0 : 1;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    internal static async Task<string> UploadAsync(HttpClient http, long size, string name)
    {
        using var form = new MultipartFormDataContent { { new StringContent(name), "name" } };
        var part = new StreamContent(new PatternStream(size), Chunk);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(part, "file", "large.bin");
        using var created = await http.PostAsync("v1/packages", form);
        created.EnsureSuccessStatusCode();
        var body = await created.Content.ReadAsStringAsync();
        return IdPattern().Match(body).Groups[1].Value;
    }

    private static string Rate(long bytes, TimeSpan elapsed) =>
        $"{bytes / elapsed.TotalSeconds / 1e6:F0} MB/s in {elapsed.TotalSeconds:F2} s";

    [GeneratedRegex("\"id\":\"([0-9a-f-]{36})\"")]
    private static partial Regex IdPattern();
}
