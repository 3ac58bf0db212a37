using ArtifactStore.Core.Retention;
using ArtifactStore.Core.Roots;

namespace ArtifactStore.Core.Configuration;

/// <summary>The effective configuration of one store (docs/configuration.md). Built by the host, validated before use.</summary>
public sealed record StoreOptions
{
    public string Profile { get; init; } = ProfileName.Default;

    public required string DataRoot { get; init; }

    /// <summary>The embedded backend's name, the default of <see cref="Backend"/>.</summary>
    public const string DefaultBackend = "embedded";

    /// <summary>
    /// Which storage backend holds the store (<c>Store:Backend</c>): <c>embedded</c> (SQLite + files in the
    /// data root) or <c>scale-out</c> (PostgreSQL + S3, shared by several replicas).
    /// </summary>
    public string Backend { get; init; } = DefaultBackend;

    /// <summary>The backend's own settings: every other key under <c>Store:</c> (the backend checks them).</summary>
    public Storage.StoreBackendSettings BackendSettings { get; init; } = Storage.StoreBackendSettings.Empty;

    public RetentionOptions Retention { get; init; } = new();

    public LimitOptions Limits { get; init; } = new();

    public Gc.GcOptions Gc { get; init; } = new();

    /// <summary>Resumable upload sessions (<c>Uploads:*</c>).</summary>
    public UploadOptions Uploads { get; init; } = new();

    /// <summary>The live event stream (<c>Events:*</c>).</summary>
    public EventStreamOptions Events { get; init; } = new();

    public Jobs.JobOptions Jobs { get; init; } = new();

    /// <summary>How long a completed idempotency record answers replays (docs/upload.md, "Idempotency").</summary>
    public TimeSpan IdempotencyWindow { get; init; } = TimeSpan.FromHours(24);

    /// <summary>When the server counts as ready (free-space threshold, check interval, expected revision).</summary>
    public ReadinessOptions Readiness { get; init; } = new();

    /// <summary>How stored files are presented to browsers (active types as attachments by default).</summary>
    public DownloadOptions Downloads { get; init; } = new();

    /// <summary>Who may read <c>/metrics</c>.</summary>
    public MetricsOptions Metrics { get; init; } = new();

    /// <summary>How the OCI distribution API files pushed images: default retention classes per repository (docs/oci.md).</summary>
    public Oci.OciOptions Oci { get; init; } = new();

    /// <summary>
    /// After SIGTERM, how long in-flight requests (and running jobs) may take to finish before they
    /// are cut off (<c>Shutdown:GracePeriod</c>, docs/recovery.md). The host's shutdown timeout. Default 30 s.
    /// </summary>
    public TimeSpan ShutdownGracePeriod { get; init; } = DefaultShutdownGracePeriod;

    public static TimeSpan DefaultShutdownGracePeriod { get; } = TimeSpan.FromSeconds(30);

    /// <summary>Every problem with these options, in a sentence each; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!ProfileName.IsValid(Profile))
        {
            problems.Add($"Profile: '{Profile}' is not a valid profile name (1-32 of a-z, 0-9, '-', starting with a letter)");
        }

        if (string.IsNullOrWhiteSpace(DataRoot))
        {
            problems.Add("DataRoot: must not be empty");
        }

        problems.AddRange(Retention.Validate());
        problems.AddRange(Limits.Validate());
        problems.AddRange(Gc.Validate());
        problems.AddRange(Uploads.Validate());
        problems.AddRange(Events.Validate());
        problems.AddRange(Jobs.Validate(Retention));
        if (IdempotencyWindow <= TimeSpan.Zero)
        {
            problems.Add("Idempotency:Window: must be positive");
        }

        problems.AddRange(Readiness.Validate());
        problems.AddRange(Oci.Validate(Retention));
        if (ShutdownGracePeriod < TimeSpan.Zero)
        {
            problems.Add("Shutdown:GracePeriod: must not be negative");
        }

        return problems;
    }
}
