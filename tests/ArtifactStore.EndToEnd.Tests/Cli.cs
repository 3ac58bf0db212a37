using System.Diagnostics;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>Runs the real <c>artifactstore</c> command (built by ./test or ./artifactstore).</summary>
internal static class Cli
{
    private static readonly Lazy<string> Dll = new(Locate);

    /// <summary>The built command (artifactstore.dll) the tests run.</summary>
    public static string DllPath => Dll.Value;

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static Process Start(IEnumerable<string> args, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        info.ArgumentList.Add(Dll.Value);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("ARTIFACTSTORE_", StringComparison.Ordinal) && k != "ARTIFACTSTORE_CLI_DLL").ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
    }

    /// <summary>Runs a command to completion and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IEnumerable<string> args, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        using var process = Start(args, environment, workingDirectory);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // A command that should have ended (a serve that should have refused) must not outlive the test.
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    private static string Locate()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("ARTIFACTSTORE_CLI_DLL");
        if (!string.IsNullOrEmpty(fromEnvironment) && File.Exists(fromEnvironment))
        {
            return fromEnvironment;
        }

        // Outside ./test: let the launcher build the command if needed.
        using var build = Process.Start(new ProcessStartInfo(Path.Combine(RepositoryRoot, "artifactstore"), "--version") { UseShellExecute = false })!;
        build.WaitForExit();
        var dll = Path.Combine(RepositoryRoot, ".build", "cli", "artifactstore.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"the artifactstore command is not built ({dll}); run ./test");
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ArtifactStore.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository root from " + AppContext.BaseDirectory);
    }
}
