namespace ArtifactStore.Core.Gc;

/// <summary>Garbage-collection settings (docs/gc.md, docs/configuration.md).</summary>
public sealed record GcOptions
{
    /// <summary>How often GC runs in the background. Default 1 h.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long a blob stays condemned before the reaper may delete it; longer than the longest upload. Default 1 h.</summary>
    public TimeSpan BlobGracePeriod { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long tombstones of deleted packages are kept. Default 365 d.</summary>
    /// <summary>The longest interval a .NET timer accepts is about 49.7 days; longer ones would crash the scheduler at start.</summary>
    public static TimeSpan MaxInterval { get; } = TimeSpan.FromDays(49);

    public TimeSpan TombstoneRetention { get; init; } = TimeSpan.FromDays(365);

    public IEnumerable<string> Validate()
    {
        if (Interval > MaxInterval)
        {
            yield return $"Gc:Interval: must be at most {MaxInterval.TotalDays:0} days (the timer's limit)";
        }

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
