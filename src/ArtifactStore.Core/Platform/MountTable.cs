using System.Text;

namespace ArtifactStore.Core.Platform;

/// <summary>
/// The mounts this process sees (<c>/proc/self/mountinfo</c>). A bind mount shows a directory of a
/// filesystem at a second place, so walking a path's parents does not find every directory that
/// contains it; this table names the other places where the same directory is visible.
/// </summary>
internal static class MountTable
{
    private const string MountInfoPath = "/proc/self/mountinfo";

    private sealed record Mount(string Device, string Root, string MountPoint);

    /// <summary>
    /// Other paths under which the directory <paramref name="realPath"/> is visible (through bind
    /// mounts or further mounts of the same filesystem). Empty when there are none or the table
    /// cannot be read.
    /// </summary>
    public static IReadOnlyList<string> AliasesOf(string realPath)
    {
        var mounts = Read();
        var own = mounts.Where(m => IsUnder(realPath, m.MountPoint)).MaxBy(m => m.MountPoint.Length);
        if (own is null)
        {
            return [];
        }

        // Where the directory lives inside its filesystem, independent of where that is mounted.
        var inFilesystem = Join(own.Root, Relative(realPath, own.MountPoint));
        var aliases = new List<string>();
        foreach (var mount in mounts.Where(m => m.Device == own.Device && IsUnder(inFilesystem, m.Root)))
        {
            var alias = Join(mount.MountPoint, Relative(inFilesystem, mount.Root));
            if (alias != realPath && !aliases.Contains(alias) && Directory.Exists(alias))
            {
                aliases.Add(alias);
            }
        }

        return aliases;
    }

    private static List<Mount> Read()
    {
        var mounts = new List<Mount>();
        try
        {
            foreach (var line in File.ReadLines(MountInfoPath))
            {
                // id parent major:minor root mount-point options [optional fields...] - type source super-options
                var fields = line.Split(' ');
                if (fields.Length >= 5)
                {
                    mounts.Add(new Mount(fields[2], Unescape(fields[3]), Unescape(fields[4])));
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not on Linux or /proc is hidden: only the path walk applies.
        }

        return mounts;
    }

    private static bool IsUnder(string path, string prefix) =>
        prefix == "/" || path == prefix || path.StartsWith(prefix + "/", StringComparison.Ordinal);

    private static string Relative(string path, string prefix) =>
        prefix == "/" ? path.TrimStart('/') : path[prefix.Length..].TrimStart('/');

    private static string Join(string directory, string relative) =>
        relative.Length == 0 ? directory : directory == "/" ? "/" + relative : directory + "/" + relative;

    /// <summary>mountinfo escapes space, tab, newline and backslash as \ooo (octal).</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var text = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && IsOctal(field.AsSpan(i + 1, 3)))
            {
                text.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                text.Append(field[i]);
            }
        }

        return text.ToString();
    }

    private static bool IsOctal(ReadOnlySpan<char> digits)
    {
        foreach (var digit in digits)
        {
            if (digit is < '0' or > '7')
            {
                return false;
            }
        }

        return true;
    }
}
