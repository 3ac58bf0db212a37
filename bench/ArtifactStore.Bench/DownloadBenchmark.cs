using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ArtifactStore.Bench;

/// <summary>
/// Downloads of one 4 KiB and one 1 MiB file from the store against the same bytes served by nginx
/// (sendfile) on 127.0.0.1, each loaded by <c>wrk -t2 -c64</c>. Rounds interleave the four targets (the
/// order alternating), so a neighbour's load falls on both sides; the table gives medians and the ratio
/// store/nginx. Installs <c>nginx-light</c> and <c>wrk</c> with apt when missing (bench only).
/// Usage: artifactstore-bench downloads [rounds] [seconds] (defaults 3 and 10). With ARTIFACTSTORE_BENCH_BEFORE_DLL
/// naming another build's artifactstore.dll, that build serves the same files as a third server in the same rounds,
/// for before/after figures on a busy machine.
/// </summary>
internal static partial class DownloadBenchmark
{
    private static readonly (string Name, int Bytes)[] Sizes = [("4 KiB", 4 << 10), ("1 MiB", 1 << 20)];

    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        if (!OperatingSystem.IsLinux())
        {
            Console.Error.WriteLine("the downloads benchmark runs on Linux (apt, nginx, wrk)");
            return 1;
        }

        if (!EnsureTools())
        {
            return 1;
        }

        var work = Directory.CreateTempSubdirectory("as-bench-downloads-");
        try
        {
            // nginx's workers may run as another user: the files must be readable by anyone.
            File.SetUnixFileMode(work.FullName, (UnixFileMode)0b111_101_101);
            var files = Path.Combine(work.FullName, "files");
            Directory.CreateDirectory(files);
            File.SetUnixFileMode(files, (UnixFileMode)0b111_101_101);
            var random = new Random(13);
            foreach (var (name, bytes) in Sizes)
            {
                var data = new byte[bytes];
                random.NextBytes(data);
                var path = Path.Combine(files, FileName(name));
                await File.WriteAllBytesAsync(path, data);
                File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
            }

            using var store = BenchServer.Start(Path.Combine(work.FullName, "root"));
            var packageId = await UploadAsync(store.Url, files);
            using var before = Environment.GetEnvironmentVariable("ARTIFACTSTORE_BENCH_BEFORE_DLL") is { Length: > 0 } beforeDll
                ? BenchServer.StartBuild(beforeDll, Path.Combine(work.FullName, "root-before"), null)
                : null;
            var beforePackageId = before is null ? Guid.Empty : await UploadAsync(before.Url, files);
            using var nginx = Nginx.Start(work.FullName, files);

            var targets = new List<(string Size, string Server, string Url)>();
            foreach (var (name, _) in Sizes)
            {
                targets.Add((name, "store", $"{store.Url}/v1/packages/{packageId}/files/{FileName(name)}"));
                targets.Add((name, "nginx", $"{nginx.Url}/{FileName(name)}"));
                if (before is not null)
                {
                    targets.Add((name, "before", $"{before.Url}/v1/packages/{beforePackageId}/files/{FileName(name)}"));
                }
            }

            string[] servers = before is null ? ["store", "nginx"] : ["store", "before", "nginx"];

            foreach (var target in targets)
            {
                // Same bytes from both, checked before anything is timed; then a short warm-up (JIT, page cache).
                if (!await SameBytesAsync(target.Url, Path.Combine(files, FileName(target.Size))))
                {
                    Console.Error.WriteLine($"{target.Server} serves other bytes than {FileName(target.Size)}");
                    return 1;
                }

                Wrk(target.Url, 2);
            }

            var results = targets.ToDictionary(t => (t.Size, t.Server), _ => new List<WrkResult>());
            for (var round = 0; round < rounds; round++)
            {
                var order = round % 2 == 0 ? targets : Enumerable.Reverse(targets).ToList();
                foreach (var target in order)
                {
                    var result = Wrk(target.Url, seconds);
                    results[(target.Size, target.Server)].Add(result);
                    Console.Error.WriteLine($"round {round + 1}: {target.Size} {target.Server}: {result.RequestsPerSecond:F0} req/s, p99 {result.P99Ms:F1} ms");
                }
            }

            Console.WriteLine($"Downloads, wrk -t2 -c{Connections} -d{seconds}s, {rounds} interleaved rounds, medians (1 MB = 10^6 bytes)");
            Console.WriteLine($"{"file",-6} {"server",-6} {"req/s",9} {"MB/s",8} {"p99 ms",8} {"/ nginx",12}");
            foreach (var (name, bytes) in Sizes)
            {
                var nginxRate = Median(results[(name, "nginx")].Select(r => r.RequestsPerSecond));
                foreach (var server in servers)
                {
                    var runs = results[(name, server)];
                    var rate = Median(runs.Select(r => r.RequestsPerSecond));
                    var ratio = server == "nginx" ? "" : $"{rate / nginxRate,11:F2}x";
                    Console.WriteLine($"{name,-6} {server,-6} {rate,9:F0} {rate * bytes / 1e6,8:F0} {Median(runs.Select(r => r.P99Ms)),8:F1} {ratio,12}");
                }
            }

            return 0;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private const int Connections = 64;

    private static string FileName(string size) => size.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant() + ".bin";

    private static bool EnsureTools()
    {
        if (OnPath("nginx") && OnPath("wrk"))
        {
            return true;
        }

        Console.Error.WriteLine("installing nginx-light and wrk with apt (bench only)");
        if (Run("apt-get", ["install", "-y", "-q", "nginx-light", "wrk"]) != 0 && (Run("apt-get", ["update", "-q"]) != 0 ||
            Run("apt-get", ["install", "-y", "-q", "nginx-light", "wrk"]) != 0))
        {
            Console.Error.WriteLine("could not install nginx-light and wrk");
            return false;
        }

        return OnPath("nginx") && OnPath("wrk");
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin"]).Any(d => File.Exists(Path.Combine(d, tool)));

    private static int Run(string file, string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { UseShellExecute = false, RedirectStandardOutput = true })!;
        _ = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode;
    }

    private static async Task<Guid> UploadAsync(string url, string files)
    {
        using var http = new HttpClient { BaseAddress = new Uri(url + "/") };
        using var form = new MultipartFormDataContent { { new StringContent("bench/downloads"), "name" } };
        foreach (var (name, _) in Sizes)
        {
            var part = new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(files, FileName(name))));
            part.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
            form.Add(part, "file", FileName(name));
        }

        using var response = await http.PostAsync(new Uri("v1/packages", UriKind.Relative), form);
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("id").GetGuid();
    }

    private static async Task<bool> SameBytesAsync(string url, string path)
    {
        using var http = new HttpClient();
        var served = await http.GetByteArrayAsync(new Uri(url));
        var stored = await File.ReadAllBytesAsync(path);
        return served.AsSpan().SequenceEqual(stored);
    }

    private static WrkResult Wrk(string url, int seconds)
    {
        var info = new ProcessStartInfo("wrk", ["-t2", $"-c{Connections}", $"-d{seconds}s", "--latency", url])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var rate = RatePattern().Match(output);
        var p99 = P99Pattern().Match(output);
        if (process.ExitCode != 0 || !rate.Success || !p99.Success)
        {
            throw new InvalidOperationException($"wrk failed against {url}:\n{output}");
        }

        if (NonSuccessPattern().Match(output) is { Success: true } errors)
        {
            throw new InvalidOperationException($"{url} answered {errors.Groups[1].Value} non-2xx responses:\n{output}");
        }

        return new WrkResult(double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture), Milliseconds(p99.Groups[1].Value, p99.Groups[2].Value));
    }

    private static double Milliseconds(string value, string unit) =>
        double.Parse(value, CultureInfo.InvariantCulture) * unit switch { "us" => 0.001, "ms" => 1, "s" => 1000, _ => 60_000 };

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RatePattern();

    [GeneratedRegex(@"^\s+99%\s+([0-9.]+)(us|ms|s|m)\s*$", RegexOptions.Multiline)]
    private static partial Regex P99Pattern();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex NonSuccessPattern();

    private sealed record WrkResult(double RequestsPerSecond, double P99Ms);

    /// <summary>nginx on 127.0.0.1 and a free port, with a throwaway config and prefix; killed on dispose.</summary>
    private sealed class Nginx : IDisposable
    {
        private readonly Process _process;

        private Nginx(Process process, string url)
        {
            _process = process;
            Url = url;
        }

        public string Url { get; }

        public static Nginx Start(string work, string files)
        {
            var prefix = Path.Combine(work, "nginx");
            Directory.CreateDirectory(prefix);
            var port = FreePort();
            var config = Path.Combine(prefix, "nginx.conf");
            File.WriteAllText(config, $$"""
                daemon off;
                worker_processes auto;
                pid {{prefix}}/nginx.pid;
                error_log {{prefix}}/error.log warn;
                events { worker_connections 1024; }
                http {
                    access_log off;
                    sendfile on;
                    tcp_nopush on;
                    keepalive_requests 1000000;
                    client_body_temp_path {{prefix}}/body;
                    proxy_temp_path {{prefix}}/proxy;
                    default_type application/octet-stream;
                    server {
                        listen 127.0.0.1:{{port}};
                        root {{files}};
                    }
                }
                """);
            var nginx = File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
            var process = Process.Start(new ProcessStartInfo(nginx, ["-p", prefix, "-c", config]) { UseShellExecute = false })!;
            var url = $"http://127.0.0.1:{port}";
            using var probe = new HttpClient();
            for (var attempt = 0; attempt < 100; attempt++)
            {
                try
                {
                    using var response = probe.GetAsync(new Uri(url + "/")).GetAwaiter().GetResult();
                    return new Nginx(process, url);
                }
                catch (HttpRequestException)
                {
                    Thread.Sleep(50);
                }
            }

            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"nginx did not start (see {prefix}/error.log)");
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
