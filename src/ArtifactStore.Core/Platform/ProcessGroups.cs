using System.Globalization;
using System.Security.Cryptography;

namespace ArtifactStore.Core.Platform;

/// <summary>
/// Signals a whole process group. Converters are started as the leaders of their own session (by
/// <c>posix_spawn</c> with <c>POSIX_SPAWN_SETSID</c>, or through the <c>setsid</c> program), so their group id is their pid and everything they spawn stays in the group: one
/// signal reaches the whole tree, even after the converter itself or the store that started it died.
/// </summary>
public static class ProcessGroups
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    /// <summary>
    /// This boot of the machine (<c>/proc/sys/kernel/random/boot_id</c>; empty where there is none). A process
    /// group recorded under another boot is gone, and its number may name an unrelated group now.
    /// </summary>
    public static string BootId { get; } = ReadBootId();

    /// <summary>
    /// Where this process's process group numbers mean what they say: this boot and this pid namespace
    /// (a container has its own), as 12 hex digits. Empty parts (no <c>/proc</c>) still give one value, so
    /// on such a system every holder seems to share it; Linux, the only platform jobs run on, has both.
    /// </summary>
    public static string Space { get; } = Convert.ToHexStringLower(
        SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{BootId}/{ReadPidNamespace()}")))[..12];

    /// <summary>The program that makes a command the leader of a new session (util-linux, always on Debian).</summary>
    public static string? SetSid { get; } = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    /// <summary>Sends <paramref name="signal"/> to every process of the group; false when none is left.</summary>
    public static bool Signal(int processGroup, int signal) => processGroup > 1 && Posix.Kill(-processGroup, signal) == 0;

    /// <summary>Whether any process of the group is still alive (zombies included until reaped).</summary>
    public static bool IsAlive(int processGroup) => processGroup > 1 && Posix.Kill(-processGroup, 0) == 0;

    /// <summary>Pids of the members of a group, read from <c>/proc</c> (for diagnostics and tests).</summary>
    public static IReadOnlyList<int> Members(int processGroup)
    {
        var members = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                // Fields after the command name (which may hold spaces) start after the last ')'.
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[2], CultureInfo.InvariantCulture) == processGroup && fields[0] != "Z")
                {
                    members.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }

        return members;
    }

    /// <summary>TERM, then KILL if anything of the group is still alive after <paramref name="grace"/>.</summary>
    public static async Task TerminateAsync(int processGroup, TimeSpan grace, CancellationToken cancellationToken = default)
    {
        if (!Signal(processGroup, SigTerm))
        {
            return;
        }

        var deadline = DateTime.UtcNow + grace;
        while (DateTime.UtcNow < deadline && Members(processGroup).Count > 0)
        {
            await Task.Delay(50, cancellationToken);
        }

        Signal(processGroup, SigKill);
    }

    private static string ReadPidNamespace()
    {
        try
        {
            return new FileInfo("/proc/self/ns/pid").LinkTarget ?? string.Empty;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    private static string ReadBootId()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}
