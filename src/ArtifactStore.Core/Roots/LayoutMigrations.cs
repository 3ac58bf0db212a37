namespace ArtifactStore.Core.Roots;

/// <summary>
/// The ordered layout migrations a binary carries (docs/data-layout.md, "Layout versions and migrations"): steps from the oldest layout it can still
/// migrate up to <see cref="CurrentVersion"/>, one version at a time. Running them is crash-safe: after
/// each step the marker's <c>layout_version</c> moves one version on, atomically and last, so a
/// process killed mid-step leaves the marker at the step's start and the next start redoes the step.
/// </summary>
public sealed class LayoutMigrations
{
    public LayoutMigrations(int currentVersion, IReadOnlyList<ILayoutMigrationStep> steps)
    {
        for (var i = 0; i < steps.Count; i++)
        {
            var expected = currentVersion - steps.Count + i;
            if (steps[i].FromVersion != expected)
            {
                throw new ArgumentException($"layout steps must run from {currentVersion - steps.Count} up to {currentVersion} one version at a time; step {i} starts at {steps[i].FromVersion}, not {expected}", nameof(steps));
            }
        }

        CurrentVersion = currentVersion;
        Steps = steps;
    }

    /// <summary>
    /// The migrations of this release. Layout 1 is the first released layout, so there is no step yet;
    /// a release that changes the layout adds its step here and keeps a golden root of the old layout in
    /// the test fixtures (tests/fixtures/golden-root-v1) that the new binary must open and serve.
    /// </summary>
    public static LayoutMigrations Released { get; } = new(DataRoot.CurrentLayoutVersion, []);

    /// <summary>The layout this binary writes and serves.</summary>
    public int CurrentVersion { get; }

    /// <summary>The oldest layout this binary can migrate from.</summary>
    public int OldestVersion => CurrentVersion - Steps.Count;

    public IReadOnlyList<ILayoutMigrationStep> Steps { get; }

    /// <summary>
    /// Runs every step the root still needs, each followed by the marker update. The caller holds the
    /// root's lock. Returns the descriptions of the steps run and the marker as it is afterwards.
    /// </summary>
    internal (IReadOnlyList<string> Applied, RootMarker Marker) Run(string rootPath, RootMarker marker)
    {
        var applied = new List<string>();
        foreach (var step in Steps.Where(s => s.FromVersion >= marker.LayoutVersion))
        {
            step.Apply(rootPath);
            // The step's changes are durable; only now does the marker say so.
            marker = marker with { LayoutVersion = step.FromVersion + 1 };
            marker.WriteAtomically(rootPath);
            applied.Add($"layout {step.FromVersion} → {step.FromVersion + 1}: {step.Description}");
        }

        return (applied, marker);
    }
}
