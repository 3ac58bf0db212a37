namespace ArtifactStore.Core.Jobs;

/// <summary>A small extension → media type table for files a converter writes (the HTTP layer has the full one for uploads).</summary>
internal static class MediaTypes
{
    public static string Guess(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".txt" or ".log" => "text/plain",
        ".json" => "application/json",
        ".csv" => "text/csv",
        ".html" or ".htm" => "text/html",
        ".xml" => "application/xml",
        ".pdf" => "application/pdf",
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".svg" => "image/svg+xml",
        ".md" => "text/markdown",
        ".zip" => "application/zip",
        _ => "application/octet-stream",
    };
}
