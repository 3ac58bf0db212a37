using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ArtifactStore.Bench;

/// <summary>A real <c>artifactstore serve</c> process on a fresh data root, with the /proc figures the benchmarks report.</summary>
internal sealed partial class BenchServer : IDisposable
{
    // Without ARTIFACTSTORE_CLI_DLL, the command is built from the working tree (./artifactstore rebuilds it
    // only when the sources changed), so one `dotnet run` of the benchmark needs nothing done before it.
    private static readonly Lazy<string> BuiltCommand = new(BuildCommand);

    private readonly Process _process;

    private BenchServer(Process process, string url)
    {
        _process = process;
        Url = url;
    }

    public string Url { get; }

    public int Id => _process.Id;

    public static BenchServer Start(string root, params string[] extra) => Start(root, environment: null, extra);

    /// <summary>A server with <paramref name="environment"/> added to its environment (how a scale-out replica gets its <c>Store:*</c> keys).</summary>
    public static BenchServer Start(string root, IReadOnlyDictionary<string, string>? environment, params string[] extra) =>
        StartBuild(Environment.GetEnvironmentVariable("ARTIFACTSTORE_CLI_DLL") ?? BuiltCommand.Value, root, environment, extra);

    /// <summary>A server of another build (<paramref name="dll"/>: its artifactstore.dll), for comparing two builds in one run.</summary>
    public static BenchServer StartBuild(string dll, string root, IReadOnlyDictionary<string, string>? environment, params string[] extra)
    {
        var info = new ProcessStartInfo("dotnet", [dll, "serve", "--data-root", root, "--urls", "http://127.0.0.1:0", .. extra])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info)!;
        while (process.StandardOutput.ReadLine() is { } line)
        {
            var match = ListeningPattern().Match(line);
            if (match.Success)
            {
                _ = process.StandardOutput.ReadToEndAsync();
                var server = new BenchServer(process, match.Groups[1].Value);
                server.WaitUntilReady();
                return server;
            }
        }

        throw new InvalidOperationException("the server did not start");
    }

    /// <summary>The API answers 503 until startup recovery has finished and every readiness check passes.</summary>
    private void WaitUntilReady()
    {
        using var http = new HttpClient();
        for (var attempt = 0; attempt < 600; attempt++)
        {
            using var response = http.GetAsync(new Uri(Url + "/health/ready")).GetAwaiter().GetResult();
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            Thread.Sleep(100);
        }

        throw new InvalidOperationException("the server did not become ready (see GET /health/ready)");
    }

    /// <summary>Peak resident set size in KiB (VmHWM from /proc).</summary>
    public long PeakRss()
    {
        foreach (var line in File.ReadLines($"/proc/{Id}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }

    /// <summary>User + system CPU time the server has used so far (from /proc/&lt;pid&gt;/stat).</summary>
    public TimeSpan CpuTime()
    {
        var stat = File.ReadAllText($"/proc/{Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
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

    private static string BuildCommand()
    {
        var root = FindRepositoryRoot();
        using var build = Process.Start(new ProcessStartInfo(Path.Combine(root, "artifactstore"), ["--version"]) { UseShellExecute = false })!;
        build.WaitForExit();
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException("building the artifactstore command failed (see above)");
        }

        return Path.Combine(root, ".build", "cli", "artifactstore.dll");
    }

    internal static string FindRepositoryRoot()
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

    [GeneratedRegex("listening on (http://[0-9.:]+)")]
    private static partial Regex ListeningPattern();
}
