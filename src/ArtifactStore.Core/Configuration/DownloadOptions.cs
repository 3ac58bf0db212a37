namespace ArtifactStore.Core.Configuration;

/// <summary>How stored files are presented to browsers (docs/security.md, "Serving user content") and looked up (docs/upload.md, "Reading back").</summary>
public sealed record DownloadOptions
{
    /// <summary>
    /// <c>Downloads:InlineActiveContent</c>: let browsers show HTML, SVG, XML and other active types inline
    /// (still under <c>Content-Security-Policy: sandbox</c>) instead of downloading them. Default false.
    /// </summary>
    public bool InlineActiveContent { get; init; }

    /// <summary>
    /// <c>Downloads:LookupCacheFiles</c>: how many files the in-memory cache of live packages' file lists may hold
    /// together, so a download needs no database query; 0 turns it off. Used only where the database is this
    /// process's alone (the embedded backend). Default 100,000 (a few tens of MiB at most).
    /// </summary>
    public long LookupCacheFiles { get; init; } = 100_000;
}
