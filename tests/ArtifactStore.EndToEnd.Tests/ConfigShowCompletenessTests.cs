using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using ArtifactStore.Core.Configuration;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// <c>config show</c> claims to print every effective value (docs/configuration.md). These tests hold it to that
/// from both ends: every settable property of the options types, and every key the configuration page documents,
/// must appear in its output, so a setting added to either without the other fails here.
/// </summary>
public sealed partial class ConfigShowCompletenessTests
{
    /// <summary>Options properties whose configuration key is not their property path with '.' as ':'.</summary>
    private static readonly Dictionary<string, string> KeyOfProperty = new(StringComparer.Ordinal)
    {
        ["Backend"] = "Store:Backend",
        ["IdempotencyWindow"] = "Idempotency:Window",
        ["ShutdownGracePeriod"] = "Shutdown:GracePeriod",
        ["Gc.TombstoneRetention"] = "Tombstones:Retention",
        ["Readiness.MinFreeSpaceBytes"] = "Readiness:MinFreeSpace",
    };

    /// <summary>
    /// Properties that are not configuration keys of their own: the backend's settings (each backend lists its own
    /// keys and config show prints those, secrets redacted), a job type's in-process handler (library users only),
    /// and the names that key a dictionary or list entry (they are the <c>&lt;name&gt;</c> in its keys).
    /// </summary>
    private static readonly HashSet<string> NotKeys = new(StringComparer.Ordinal)
    {
        "BackendSettings",
        "Jobs.Types.<name>.Name",
        "Jobs.Types.<name>.Handler",
        "Retention.Classes.<name>.Name",
        "Oci.Repositories.<name>.Pattern",
    };

    /// <summary>The entry names the configuration below gives, by the dictionary or list they are entries of.</summary>
    private static readonly Dictionary<string, string> EntryNames = new(StringComparer.Ordinal)
    {
        ["Retention:Classes"] = "flash",
        ["Jobs:Types"] = "convert",
        ["Oci:Repositories"] = "team/*",
    };

    private const string Configuration = """
        { "Retention": { "Classes": { "flash": { "Duration": "00:10:00" } } },
          "Jobs": { "Types": { "convert": { "Command": ["true"] } } },
          "Oci": { "Repositories": { "team/*": { "Class": "flash" } } } }
        """;

    [Fact]
    public async Task config_show_prints_every_settable_property_of_the_options_types()
    {
        var shown = await ShownKeysAsync();
        var keys = PropertyPaths(typeof(StoreOptions), prefix: "")
            .Select(KeyOf)
            .ToList();

        // The walk must have found the nested sections, or it would pass by finding nothing.
        Assert.Contains("Uploads:InlineMaxBytes", keys);
        Assert.Contains("Jobs:Types:convert:Timeout", keys);
        var missing = keys.Where(k => !shown.Contains(k)).ToList();
        Assert.True(missing.Count == 0, $"config show does not print: {string.Join(", ", missing)}");
    }

    [Fact]
    public async Task config_show_prints_every_key_the_configuration_page_documents()
    {
        var page = await File.ReadAllTextAsync(Path.Combine(Cli.RepositoryRoot, "docs", "configuration.md"));

        // Keys of the embedded backend's run; the scale-out backend's Store:* keys are printed only when it is chosen.
        var documented = DocumentedKey().Matches(page)
            .Select(m => m.Groups["key"].Value)
            .Where(k => !k.StartsWith("Store:", StringComparison.Ordinal) || k == "Store:Backend")
            .Select(k => WithEntryNames(k.Replace("<pattern>", "<name>", StringComparison.Ordinal)))
            .ToList();
        Assert.Contains("Uploads:InlineCacheBytes", documented);

        var shown = await ShownKeysAsync();
        var missing = documented.Where(k => !shown.Contains(k)).ToList();
        Assert.True(missing.Count == 0, $"config show does not print: {string.Join(", ", missing)}");
    }

    /// <summary>The keys of the lines <c>config show</c> prints, <c>key = value    (source)</c>.</summary>
    private static async Task<HashSet<string>> ShownKeysAsync()
    {
        using var temp = new TempDirectory();
        var config = temp.Combine("store.json");
        await File.WriteAllTextAsync(config, Configuration);
        var (exit, stdout, stderr) = await Cli.RunAsync(["config", "show", "--data-root", temp.Combine("root"), "--config", config]);
        Assert.True(exit == 0, stderr);
        return stdout.Split('\n')
            .Select(line => line.Split(" = ", 2))
            .Where(parts => parts.Length == 2)
            .Select(parts => parts[0])
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The path of every public instance property with a setter, descending into the Core options records and
    /// into the values of their dictionaries and lists of records (the entry's name written <c>&lt;name&gt;</c>).
    /// </summary>
    private static IEnumerable<string> PropertyPaths(Type type, string prefix)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var path = prefix + property.Name;
            if (property.SetMethod is null || NotKeys.Contains(path))
            {
                continue;
            }

            var entryType = EntryType(property.PropertyType);
            if (entryType is not null && IsOptionsRecord(entryType))
            {
                foreach (var inner in PropertyPaths(entryType, path + ".<name>."))
                {
                    yield return inner;
                }
            }
            else if (IsOptionsRecord(property.PropertyType))
            {
                foreach (var inner in PropertyPaths(property.PropertyType, path + "."))
                {
                    yield return inner;
                }
            }
            else
            {
                yield return path;
            }
        }
    }

    private static bool IsOptionsRecord(Type type) =>
        type.IsClass && type != typeof(string) && type.Namespace?.StartsWith("ArtifactStore.Core", StringComparison.Ordinal) == true
        && !typeof(IEnumerable).IsAssignableFrom(type) && !type.IsInterface;

    /// <summary>The value type of a dictionary or the element type of a list; null for anything else.</summary>
    private static Type? EntryType(Type type)
    {
        if (type == typeof(string) || !type.IsGenericType)
        {
            return null;
        }

        var arguments = type.GetGenericArguments();
        return typeof(IEnumerable).IsAssignableFrom(type) ? arguments[^1] : null;
    }

    private static string KeyOf(string path)
    {
        if (KeyOfProperty.TryGetValue(path, out var key))
        {
            return key;
        }

        return WithEntryNames(path.Replace('.', ':'));
    }

    /// <summary>The key with each <c>&lt;name&gt;</c> replaced by the entry the configuration gives.</summary>
    private static string WithEntryNames(string key)
    {
        foreach (var (collection, name) in EntryNames)
        {
            key = key.Replace($"{collection}:<name>", $"{collection}:{name}", StringComparison.Ordinal);
        }

        return key;
    }

    /// <summary>A key in the first column of the page's tables: <c>| `Section:Key`</c>.</summary>
    [GeneratedRegex(@"^\| `(?<key>[A-Z][A-Za-z]*(?::[A-Za-z<>]+)*)`", RegexOptions.Multiline)]
    private static partial Regex DocumentedKey();
}
