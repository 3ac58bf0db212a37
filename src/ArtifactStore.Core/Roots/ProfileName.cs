using System.Text.RegularExpressions;

namespace ArtifactStore.Core.Roots;

/// <summary>Profile (lane) names: <c>[a-z][a-z0-9-]{0,31}</c>.</summary>
public static partial class ProfileName
{
    public const string Default = "dev";

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    [GeneratedRegex(@"\A[a-z][a-z0-9-]{0,31}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
