namespace ArtifactStore.Core.Configuration;

/// <summary>Bounds on what one request may ask of the store (docs/security.md). Exceeding one is answered 413.</summary>
public sealed record LimitOptions
{
    /// <summary>Total bytes of file content in one package upload. Default 16 GiB.</summary>
    public long MaxUploadBytes { get; init; } = 16L * 1024 * 1024 * 1024;

    /// <summary>Files in one package. Default 10,000.</summary>
    public int MaxFilesPerPackage { get; init; } = 10_000;

    /// <summary>Labels on one package. Default 64.</summary>
    public int MaxLabelsPerPackage { get; init; } = 64;

    public IEnumerable<string> Validate()
    {
        if (MaxUploadBytes <= 0)
        {
            yield return "Limits:MaxUploadBytes: must be positive";
        }

        if (MaxFilesPerPackage <= 0)
        {
            yield return "Limits:MaxFilesPerPackage: must be positive";
        }

        if (MaxLabelsPerPackage < 0)
        {
            yield return "Limits:MaxLabelsPerPackage: must not be negative";
        }
    }
}
