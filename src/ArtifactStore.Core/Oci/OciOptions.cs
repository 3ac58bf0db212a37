using ArtifactStore.Core.Retention;

namespace ArtifactStore.Core.Oci;

/// <summary>
/// How the OCI distribution API (<c>/v2/</c>) files what it receives (docs/oci.md, OPERATOR.md "OCI registry"):
/// the default retention class per repository, <c>Oci:Repositories:&lt;pattern&gt;:Class</c>.
/// </summary>
public sealed record OciOptions
{
    /// <summary>The manifest annotation that names a pushed image's retention class; it wins over every default.</summary>
    public const string RetentionClassAnnotation = "org.artifactstore.retention.class";

    /// <summary>Repository patterns and their default class; <c>*</c> matches any run of characters, <c>/</c> included.</summary>
    public IReadOnlyList<OciRepositoryRule> Repositories { get; init; } = [];

    /// <summary>
    /// The default class of <paramref name="repository"/>: the rule with the longest pattern that matches it
    /// (the most specific one), else null (the store's <c>Retention:DefaultClass</c> applies).
    /// </summary>
    public string? ClassFor(string repository) =>
        Repositories.Where(r => r.Matches(repository))
            .OrderByDescending(r => r.Pattern.Length)
            .ThenBy(r => r.Pattern, StringComparer.Ordinal)
            .FirstOrDefault()?.Class;

    public IEnumerable<string> Validate(RetentionOptions retention)
    {
        foreach (var rule in Repositories)
        {
            if (retention.Find(rule.Class) is null)
            {
                yield return $"Oci:Repositories:{rule.Pattern}:Class: '{rule.Class}' is not a known retention class ({string.Join(", ", retention.Classes.Keys.Order(StringComparer.Ordinal))})";
            }
        }
    }
}

/// <summary>One <c>Oci:Repositories:&lt;pattern&gt;</c> entry.</summary>
public sealed record OciRepositoryRule(string Pattern, string Class)
{
    /// <summary>Whether the pattern matches the whole repository name; <c>*</c> matches any run of characters.</summary>
    public bool Matches(string repository) => Glob(Pattern.AsSpan(), repository.AsSpan());

    private static bool Glob(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        while (true)
        {
            if (pattern.IsEmpty)
            {
                return text.IsEmpty;
            }

            if (pattern[0] == '*')
            {
                for (var skip = 0; skip <= text.Length; skip++)
                {
                    if (Glob(pattern[1..], text[skip..]))
                    {
                        return true;
                    }
                }

                return false;
            }

            if (text.IsEmpty || pattern[0] != text[0])
            {
                return false;
            }

            pattern = pattern[1..];
            text = text[1..];
        }
    }
}
