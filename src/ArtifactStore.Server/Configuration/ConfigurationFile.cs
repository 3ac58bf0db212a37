using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Tomlyn;

namespace ArtifactStore.Server.Configuration;

/// <summary>
/// The configuration file: JSON or TOML, chosen by its extension, and the one-line account of a
/// file that cannot be read (which file, where in it, and what is wrong).
/// </summary>
internal static class ConfigurationFile
{
    /// <summary>The file looked for in the data root when none is named.</summary>
    public const string DefaultName = "artifactstore.json";

    private static readonly string[] Extensions = [".json", ".toml"];

    /// <summary>Null when <paramref name="path"/> has an extension this store reads, else the problem.</summary>
    public static string? CheckType(string path)
    {
        var extension = Path.GetExtension(path);
        if (Extensions.Contains(extension, StringComparer.OrdinalIgnoreCase))
        {
            return null;
        }

        var found = extension.Length == 0 ? "has no extension" : $"has the unknown extension '{extension}'";
        return $"configuration file {Path.GetFullPath(path)} {found}; the extensions accepted are {string.Join(" and ", Extensions)}";
    }

    /// <summary>Adds the file's provider; the type must have passed <see cref="CheckType"/>.</summary>
    internal static void AddTo(IConfigurationBuilder builder, string path, bool optional)
    {
        var fullPath = Path.GetFullPath(path);
        if (Path.GetExtension(fullPath).Equals(".toml", StringComparison.OrdinalIgnoreCase))
        {
            builder.Add<TomlConfigurationSource>(source =>
            {
                source.Path = fullPath;
                source.Optional = optional;
                source.ReloadOnChange = false;
                source.ResolveFileProvider();
            });
        }
        else
        {
            builder.AddJsonFile(fullPath, optional, reloadOnChange: false);
        }
    }

    /// <summary>One line: the file, the line and column where the parser knows them, and the problem.</summary>
    public static string DescribeFailure(string path, Exception failure)
    {
        var file = $"configuration file {Path.GetFullPath(path)}";
        for (var e = failure; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case JsonException { LineNumber: { } line } json:
                    // System.Text.Json counts from 0 and appends the position to its message.
                    var message = json.Message;
                    var position = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
                    return $"{file}, line {line + 1}, column {json.BytePositionInLine + 1}: {(position < 0 ? message : message[..position])}";
                case TomlException toml:
                    var problem = (toml.Diagnostics is { Count: > 0 } diagnostics ? diagnostics[0].Message : toml.Message)
                        .Replace("`\u2424`", "the end of the line", StringComparison.Ordinal);
                    var where = toml.Line is { } tomlLine ? $", line {tomlLine}" + (toml.Column is { } column ? $", column {column}" : "") : "";
                    return $"{file}{where}: {problem}";
            }
        }

        return $"{file}: {failure.GetBaseException().Message}";
    }
}
