using System.Globalization;

namespace ArtifactStore.Core.Roots;

/// <summary>What the lock file says about the process holding a root: its pid and, for a server, its URL.</summary>
public sealed record LockHolder(int Pid, string? Url)
{
    public string Format() => Url is null
        ? $"pid={Pid}\n"
        : $"pid={Pid}\nurl={Url}\n";

    public static LockHolder? Parse(string text)
    {
        int? pid = null;
        string? url = null;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith("pid=", StringComparison.Ordinal) &&
                int.TryParse(line.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var p))
            {
                pid = p;
            }
            else if (line.StartsWith("url=", StringComparison.Ordinal))
            {
                url = line[4..];
            }
        }

        return pid is null ? null : new LockHolder(pid.Value, url);
    }

    public override string ToString() => Url is null ? $"process {Pid}" : $"process {Pid} (serving {Url})";
}
