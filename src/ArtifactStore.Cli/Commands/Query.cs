using System.Globalization;

namespace ArtifactStore.Cli.Commands;

/// <summary>Builds a URL query string from the options a person gave; options left out are not sent.</summary>
internal static class Query
{
    /// <summary>"?a=1&amp;b=2", or "" when every value is null.</summary>
    public static string Of(params (string Name, string? Value)[] parameters)
    {
        var given = parameters.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return given.Count == 0 ? string.Empty : "?" + string.Join('&', given);
    }

    public static string? Number(int? value) => value?.ToString(CultureInfo.InvariantCulture);
}
