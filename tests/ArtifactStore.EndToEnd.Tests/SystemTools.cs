using System.Diagnostics;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// Real operating-system conditions for tests that run as root, where permissions do not stop
/// writes: an immutable directory (chattr +i), a small filesystem (tmpfs), a bind mount.
/// </summary>
internal static class SystemTools
{
    /// <summary>Makes a directory immutable (even root cannot create entries in it) until the result is disposed.</summary>
    public static async Task<IAsyncDisposable> ImmutableAsync(string directory)
    {
        await RunAsync("chattr", "+i", directory);
        return new Undo(() => RunAsync("chattr", "-i", directory));
    }

    /// <summary>Mounts a tmpfs of <paramref name="mebibytes"/> MiB at <paramref name="directory"/> until the result is disposed.</summary>
    public static async Task<IAsyncDisposable> TmpfsAsync(string directory, int mebibytes)
    {
        Directory.CreateDirectory(directory);
        await RunAsync("mount", "-t", "tmpfs", "-o", $"size={mebibytes}m", "tmpfs", directory);
        return new Undo(() => RunAsync("umount", "-l", directory));
    }

    /// <summary>Shows <paramref name="source"/> also at <paramref name="target"/> until the result is disposed.</summary>
    public static async Task<IAsyncDisposable> BindMountAsync(string source, string target)
    {
        Directory.CreateDirectory(target);
        await RunAsync("mount", "--bind", source, target);
        return new Undo(() => RunAsync("umount", "-l", target));
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false })!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"'{file} {string.Join(' ', args)}' failed ({process.ExitCode}): {stderr.Trim()}. These tests need root with mount and chattr (CAP_SYS_ADMIN, CAP_LINUX_IMMUTABLE), as on the project's machines.");
        }
    }

    private sealed class Undo(Func<Task> undo) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await undo();
    }
}
