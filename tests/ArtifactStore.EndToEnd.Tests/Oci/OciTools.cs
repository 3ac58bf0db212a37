using System.Diagnostics;

namespace ArtifactStore.EndToEnd.Tests.Oci;

/// <summary>
/// Runs the real OCI clients from Debian's packages (skopeo, podman), which <c>./test</c> installs. podman gets the
/// repository's containers.conf (runc, ulimits) that the container tests use. Each run is held to a deadline.
/// </summary>
internal static class OciTools
{
    private static readonly string ContainersConf = Path.Combine(Cli.RepositoryRoot, "tests", "ArtifactStore.Container.Tests", "containers.conf");

    public static Task<(int ExitCode, string Stdout, string Output)> SkopeoAsync(params string[] args) => RunAsync("skopeo", args);

    public static Task<(int ExitCode, string Stdout, string Output)> PodmanAsync(params string[] args) => RunAsync("podman", args);

    /// <summary>Runs the tool and asserts that it succeeded, naming its output when it did not.</summary>
    public static async Task<string> MustAsync(Task<(int ExitCode, string Stdout, string Output)> run)
    {
        var (exit, stdout, output) = await run;
        Assert.True(exit == 0, output);
        return stdout;
    }

    private static async Task<(int ExitCode, string Stdout, string Output)> RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["CONTAINERS_CONF"] = ContainersConf;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within 2 minutes");
        }

        var output = await stdout;
        return (process.ExitCode, output, $"{file} {string.Join(' ', args)} → {process.ExitCode}\n{output}\n{await stderr}");
    }
}
