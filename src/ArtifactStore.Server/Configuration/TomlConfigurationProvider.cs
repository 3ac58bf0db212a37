using System.Globalization;
using Microsoft.Extensions.Configuration;
using Tomlyn;
using Tomlyn.Model;
using Tomlyn.Parsing;

namespace ArtifactStore.Server.Configuration;

/// <summary>
/// Reads a TOML file into configuration keys as the JSON provider reads JSON: tables nest with ':',
/// array elements are numbered from 0, and an empty table or array still names a section (a
/// retention class without settings, for one) with the value JSON gives it (null, or empty). Keys that differ only in case are refused, because
/// configuration keys are case-insensitive and one would silently replace the other.
/// </summary>
internal sealed class TomlConfigurationProvider(TomlConfigurationSource source) : FileConfigurationProvider(source)
{
    public override void Load(Stream stream)
    {
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();

        // The strict parse refuses a key defined twice; the table reader below would let the later one win.
        SyntaxParser.ParseStrict(text);
        var document = TomlSerializer.Deserialize<TomlTable>(text) ?? [];
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        AddTable(data, null, document);
        Data = data;
    }

    private static void Add(Dictionary<string, string?> data, string path, object? value)
    {
        switch (value)
        {
            case TomlTable { Count: > 0 } table:
                AddTable(data, path, table);
                break;
            case TomlArray { Count: > 0 } array:
                for (var i = 0; i < array.Count; i++)
                {
                    Add(data, ConfigurationPath.Combine(path, i.ToString(CultureInfo.InvariantCulture)), array[i]);
                }

                break;
            case TomlTableArray { Count: > 0 } tables:
                for (var i = 0; i < tables.Count; i++)
                {
                    Add(data, ConfigurationPath.Combine(path, i.ToString(CultureInfo.InvariantCulture)), tables[i]);
                }

                break;
            case TomlTable:
                Set(data, path, null);
                break;
            case TomlArray or TomlTableArray:
                Set(data, path, string.Empty);
                break;
            case string text:
                Set(data, path, text);
                break;
            default:
                Set(data, path, Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    private static void AddTable(Dictionary<string, string?> data, string? path, TomlTable table)
    {
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, child) in table)
        {
            var childPath = path is null ? key : ConfigurationPath.Combine(path, key);
            if (!seen.TryAdd(key, childPath))
            {
                throw CaseCollision(seen[key], childPath);
            }

            Add(data, childPath, child);
        }
    }

    private static void Set(Dictionary<string, string?> data, string path, string? value)
    {
        if (!data.TryAdd(path, value))
        {
            throw CaseCollision(data.Keys.First(k => string.Equals(k, path, StringComparison.OrdinalIgnoreCase)), path);
        }
    }

    private static FormatException CaseCollision(string one, string other) =>
        new($"the keys '{one}' and '{other}' differ only in case; configuration keys are case-insensitive, so keep one");
}
