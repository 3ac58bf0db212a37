using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// A real <c>artifactstore</c> process. Started on port 0; the URL is read from its start-up line.
/// <see cref="StartAsync"/> returns once <c>/health/ready</c> answers 200 (API requests are refused
/// until then); <see cref="StartListeningAsync"/> returns as soon as it listens, ready or not.
/// <see cref="KillAsync"/> is SIGKILL (no chance to clean up), <see cref="StopAsync"/> is SIGTERM.
/// <see cref="Http"/> talks to it over loopback, also when it listens on a wildcard address.
/// </summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<string> _url = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(Process process)
    {
        _process = process;
    }

    public string Url => _url.Task.Result;

    public HttpClient Http { get; private set; } = null!;

    public int Pid => _process.Id;

    /// <summary>The port it listens on (from <see cref="Url"/>).</summary>
    public int Port => new Uri(Url).Port;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<ServerProcess> StartAsync(string dataRoot, string? config = null, IDictionary<string, string>? environment = null, string profile = "dev", string urls = LoopbackAnyPort, params string[] extra)
    {
        var server = await StartListeningAsync(dataRoot, config, environment, profile, urls, extra);
        try
        {
            await server.WaitUntilReadyAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>What <c>--urls</c> the server gets unless a test gives another.</summary>
    public const string LoopbackAnyPort = "http://127.0.0.1:0";

    public static async Task<ServerProcess> StartListeningAsync(string dataRoot, string? config = null, IDictionary<string, string>? environment = null, string profile = "dev", string urls = LoopbackAnyPort, params string[] extra)
    {
        var args = new List<string> { "serve", "--data-root", dataRoot, "--profile", profile, "--urls", urls };
        args.AddRange(extra);
        if (config is not null)
        {
            args.AddRange(["--config", config]);
        }

        return await StartCommandAsync(args, environment);
    }

    /// <summary>Starts <c>artifactstore</c> with exactly <paramref name="args"/> (no data root or URL added), in <paramref name="workingDirectory"/>.</summary>
    public static async Task<ServerProcess> StartCommandAsync(IEnumerable<string> args, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var process = Cli.Start(args, environment, workingDirectory);
        var server = new ServerProcess(process);
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(server._url.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != server._url.Task)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }

            throw new InvalidOperationException($"the server did not start:\n{server.Output}");
        }

        server.Http = server.ClientFor(IPAddress.Loopback);
        return server;
    }

    /// <summary>A client that connects to the server's port on <paramref name="address"/> (for example a non-loopback address of this machine).</summary>
    public HttpClient ClientFor(IPAddress address) =>
        new() { BaseAddress = new Uri($"http://{new IPEndPoint(address, Port)}/"), Timeout = TimeSpan.FromMinutes(5) };

    /// <summary>Polls <c>/health/ready</c> until it answers 200; fails with the last answer after a minute.</summary>
    public async Task WaitUntilReadyAsync()
    {
        var last = "";
        for (var deadline = DateTime.UtcNow.AddMinutes(1); DateTime.UtcNow < deadline && !_process.HasExited;)
        {
            using var response = await Http.GetAsync("health/ready");
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            last = await response.Content.ReadAsStringAsync();
            await Task.Delay(50);
        }

        throw new InvalidOperationException($"the server did not become ready: {last}\n{Output}");
    }

    /// <summary>Sends SIGTERM and returns at once (see <see cref="WaitForExitAsync"/>).</summary>
    public async Task SignalTerminateAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    /// <summary>Waits for the process to exit (at most two minutes) and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    /// <summary>Creates a data root by starting a server on it and stopping it cleanly.</summary>
    public static async Task CreateRootAsync(string dataRoot, string profile = "dev")
    {
        await using var server = await StartAsync(dataRoot, profile: profile);
        using var live = await server.Http.GetAsync("health/live");
        Assert.Equal(0, await server.StopAsync());
    }

    /// <summary>SIGKILL: the process dies at once, as in a power cut for the process (not for the disk).</summary>
    public async Task KillAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>SIGKILL to the server process alone: what it started keeps running, as after a crash of the server only.</summary>
    public async Task KillServerOnlyAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM and wait for a clean exit; returns the exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        var match = ListeningLine().Match(line);
        if (match.Success)
        {
            _url.TrySetResult(match.Groups[1].Value);
        }
    }

    [GeneratedRegex(@"listening on (http://\S+)")]
    private static partial Regex ListeningLine();
}
