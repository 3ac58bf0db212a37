using System.Text.RegularExpressions;

namespace ArtifactStore.Core.Retention;

/// <summary>Retention classes and the default class (docs/retention.md, docs/configuration.md).</summary>
public sealed partial record RetentionOptions
{
    /// <summary>The built-in classes; the operator may override their durations or add classes.</summary>
    public static IReadOnlyList<RetentionClass> BuiltIn { get; } =
    [
        new("ephemeral", TimeSpan.FromHours(24)),
        new("standard", TimeSpan.FromDays(7)),
        new("release-evidence", TimeSpan.FromDays(365)),
        new("permanent-record", null),
    ];

    public string DefaultClass { get; init; } = "standard";

    /// <summary>How often the eligibility sweeper runs in the background. Default 1 h.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromHours(1);

    public IReadOnlyDictionary<string, RetentionClass> Classes { get; init; } =
        BuiltIn.ToDictionary(c => c.Name, StringComparer.Ordinal);

    public RetentionClass? Find(string name) => Classes.GetValueOrDefault(name);

    public IEnumerable<string> Validate()
    {
        foreach (var retentionClass in Classes.Values)
        {
            if (!ClassName().IsMatch(retentionClass.Name))
            {
                yield return $"Retention:Classes:{retentionClass.Name}: class names are 1-64 of a-z, 0-9 and '-'";
            }

            if (retentionClass.Duration is { } duration && duration <= TimeSpan.Zero)
            {
                yield return $"Retention:Classes:{retentionClass.Name}:Duration: must be positive (omit it for no expiry)";
            }
        }

        if (SweepInterval > Gc.GcOptions.MaxInterval)
        {
            yield return $"Retention:SweepInterval: must be at most {Gc.GcOptions.MaxInterval.TotalDays:0} days (the timer's limit)";
        }

        if (SweepInterval <= TimeSpan.Zero)
        {
            yield return "Retention:SweepInterval: must be positive";
        }

        if (!Classes.ContainsKey(DefaultClass))
        {
            yield return $"Retention:DefaultClass: '{DefaultClass}' is not a known retention class ({string.Join(", ", Classes.Keys.Order(StringComparer.Ordinal))})";
        }
    }

    [GeneratedRegex(@"\A[a-z0-9][a-z0-9-]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ClassName();
}
