namespace ArtifactStore.Core.Configuration;

/// <summary>How stored files are presented to browsers (docs/security.md, "Serving user content").</summary>
public sealed record DownloadOptions
{
    /// <summary>
    /// <c>Downloads:InlineActiveContent</c>: let browsers show HTML, SVG, XML and other active types inline
    /// (still under <c>Content-Security-Policy: sandbox</c>) instead of downloading them. Default false.
    /// </summary>
    public bool InlineActiveContent { get; init; }
}
