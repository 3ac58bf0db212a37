using System.Diagnostics;

namespace ArtifactStore.Bench;

/// <summary>The scripts the tests use to start throwaway services (tests/tools/postgres, tests/tools/s3rver).</summary>
internal static class TestTools
{
    /// <summary>Runs tests/tools/NAME COMMAND DIR and returns the last line it printed (the URL, for start).</summary>
    public static async Task<string> RunAsync(string repository, string tool, string command, string directory)
    {
        var info = new ProcessStartInfo(Path.Combine(repository, "tests", "tools", tool), [command, directory])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"tests/tools/{tool} {command} failed (exit code {process.ExitCode}; its reasons are above)");
        }

        return output.Trim().Split('\n')[^1].Trim();
    }

    /// <summary>Makes <paramref name="directory"/> (and its parent) reachable by the 'postgres' user, who owns the throwaway cluster.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static void OpenToPostgresUser(string directory)
    {
        const UnixFileMode worldReadable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(Path.GetDirectoryName(directory)!, worldReadable);
        File.SetUnixFileMode(directory, worldReadable);
    }
}
