using System.Globalization;
using System.Text;

namespace ArtifactStore.Core.Roots;

/// <summary>
/// What the lock file says about the process holding a root: its pid, for a server its URL, and the
/// lane it opened (profile, store id, and the real path through which it reached the root). A refused
/// process reads it to name the holder, and to tell when it reached the same directory by another path.
/// </summary>
public sealed record LockHolder(int Pid, string? Url, string? Profile = null, string? StoreId = null, string? RootPath = null)
{
    public string Format()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"pid={Pid}\n");
        Append(text, "url", Url);
        Append(text, "profile", Profile);
        Append(text, "store_id", StoreId);
        Append(text, "root", RootPath);
        return text.ToString();
    }

    public static LockHolder? Parse(string text)
    {
        int? pid = null;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var (key, value) = (line[..equals], line[(equals + 1)..]);
            if (key == "pid" && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var p))
            {
                pid = p;
            }
            else
            {
                values[key] = value;
            }
        }

        return pid is null
            ? null
            : new LockHolder(pid.Value, values.GetValueOrDefault("url"), values.GetValueOrDefault("profile"), values.GetValueOrDefault("store_id"), values.GetValueOrDefault("root"));
    }

    public override string ToString() => Url is null ? $"process {Pid}" : $"process {Pid} (serving {Url})";

    private static void Append(StringBuilder text, string key, string? value)
    {
        if (value is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"{key}={value}\n");
        }
    }
}
