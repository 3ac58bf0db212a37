using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace ArtifactStore.Bench;

/// <summary>
/// Uploads and downloads one large file through a real server and compares the upload with the
/// baseline of writing and fsyncing the same bytes to the same disk, in the same run. Reports the
/// server's peak resident memory (VmHWM) to show that transfers are streamed.
/// Usage: artifactstore-bench [size-in-MiB] (default 2048).
/// </summary>
internal static partial class LargeTransferBenchmark
{
    private const int Chunk = 1024 * 1024;

    public static async Task<int> RunAsync(string[] args)
    {
        var sizeMiB = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2048;
        var size = (long)sizeMiB * Chunk;
        var work = Path.Combine(Path.GetTempPath(), "as-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        PatternStream.Prepare();
        try
        {
            var baseline = WriteAndFsync.Measure(Path.Combine(work, "baseline.bin"), size);
            Console.WriteLine($"baseline  write+fsync {sizeMiB} MiB: {Rate(size, baseline)}");

            using var server = StartServer(Path.Combine(work, "root"), out var url);
            using var http = new HttpClient { BaseAddress = new Uri(url + "/"), Timeout = TimeSpan.FromHours(1) };
            var idleRss = PeakRss(server.Id);

            var serverCpu = CpuTime(server.Id);
            var clientCpu = Process.GetCurrentProcess().TotalProcessorTime;
            var upload = Stopwatch.StartNew();
            using var form = new MultipartFormDataContent { { new StringContent("bench/large"), "name" } };
            var part = new StreamContent(new PatternStream(size), Chunk);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(part, "file", "large.bin");
            using var created = await http.PostAsync("v1/packages", form);
            upload.Stop();
            serverCpu = CpuTime(server.Id) - serverCpu;
            clientCpu = Process.GetCurrentProcess().TotalProcessorTime - clientCpu;
            created.EnsureSuccessStatusCode();
            var body = await created.Content.ReadAsStringAsync();
            var id = IdPattern().Match(body).Groups[1].Value;
            Console.WriteLine($"upload    {sizeMiB} MiB: {Rate(size, upload.Elapsed)} ({upload.Elapsed.TotalMilliseconds / baseline.TotalMilliseconds:P0} of baseline time, ratio {baseline.TotalSeconds / upload.Elapsed.TotalSeconds:F2})");
            Console.WriteLine($"          cpu during upload: server {serverCpu.TotalSeconds:F2} s, client {clientCpu.TotalSeconds:F2} s ({Environment.ProcessorCount} cores)");

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
            Console.WriteLine($"download  {sizeMiB} MiB: {Rate(received, download.Elapsed)}");
            Console.WriteLine($"server peak resident memory: {PeakRss(server.Id) / 1024} MiB (idle {idleRss / 1024} MiB)");
            server.Kill(entireProcessTree: true);
            return received == size ? 0 : 1;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static Process StartServer(string root, out string url)
    {
        var dll = Environment.GetEnvironmentVariable("ARTIFACTSTORE_CLI_DLL") ?? Path.Combine(FindRepositoryRoot(), ".build", "cli", "artifactstore.dll");
        var info = new ProcessStartInfo("dotnet", [dll, "serve", "--data-root", root, "--urls", "http://127.0.0.1:0"])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var process = Process.Start(info)!;
        while (process.StandardOutput.ReadLine() is { } line)
        {
            var match = Regex.Match(line, "listening on (http://[0-9.:]+)");
            if (match.Success)
            {
                url = match.Groups[1].Value;
                _ = process.StandardOutput.ReadToEndAsync();
                return process;
            }
        }

        throw new InvalidOperationException("the server did not start");
    }

    /// <summary>Peak resident set size of a process in KiB (VmHWM from /proc).</summary>
    private static long PeakRss(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }

    /// <summary>User + system CPU time a process has used so far (from /proc/&lt;pid&gt;/stat).</summary>
    private static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    private static string Rate(long bytes, TimeSpan elapsed) =>
        $"{bytes / elapsed.TotalSeconds / 1e6:F0} MB/s in {elapsed.TotalSeconds:F2} s";

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ArtifactStore.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository root");
    }

    [GeneratedRegex("\"id\":\"([0-9a-f-]{36})\"")]
    private static partial Regex IdPattern();
}
