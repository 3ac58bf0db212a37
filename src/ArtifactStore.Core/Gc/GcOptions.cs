namespace ArtifactStore.Core.Gc;

/// <summary>Garbage-collection settings (SPEC §6).</summary>
public sealed record GcOptions
{
    /// <summary>How often GC runs in the background. Default 1 h.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long a blob stays condemned before the reaper may delete it; longer than the longest upload. Default 1 h.</summary>
    public TimeSpan BlobGracePeriod { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long tombstones of deleted packages are kept. Default 365 d.</summary>
    public TimeSpan TombstoneRetention { get; init; } = TimeSpan.FromDays(365);

    public IEnumerable<string> Validate()
    {
        if (Interval <= TimeSpan.Zero)
        {
            yield return "Gc:Interval: must be positive";
        }

        if (BlobGracePeriod < TimeSpan.Zero)
        {
            yield return "Gc:BlobGracePeriod: must not be negative";
        }

        if (TombstoneRetention < TimeSpan.Zero)
        {
            yield return "Tombstones:Retention: must not be negative";
        }
    }
}
