namespace ArtifactStore.Core.Configuration;

/// <summary>Resumable upload sessions (<c>Uploads:*</c>, docs/upload.md "Upload sessions").</summary>
public sealed record UploadOptions
{
    /// <summary>How long a session lives after its last accepted chunk; then GC removes it and its bytes. Default 24 h.</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromHours(24);

    /// <summary>The most bytes one session may hold (413 beyond). Default 16 GiB.</summary>
    public long MaxSessionBytes { get; init; } = 16L * 1024 * 1024 * 1024;

    /// <summary>The most sessions one caller may have open at once (429 beyond). Default 100.</summary>
    public int MaxSessionsPerCaller { get; init; } = 100;

    public IEnumerable<string> Validate()
    {
        if (SessionTimeout <= TimeSpan.Zero)
        {
            yield return "Uploads:SessionTimeout: must be positive";
        }

        if (MaxSessionBytes <= 0)
        {
            yield return "Uploads:MaxSessionBytes: must be positive";
        }

        if (MaxSessionsPerCaller <= 0)
        {
            yield return "Uploads:MaxSessionsPerCaller: must be positive";
        }
    }
}
