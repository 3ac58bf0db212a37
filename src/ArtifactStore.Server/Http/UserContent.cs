using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace ArtifactStore.Server.Http;

/// <summary>
/// How stored bytes are presented to a browser (docs/security.md, "Serving user content"). A file's media
/// type comes from whoever uploaded it, so a type that can run script in the store's origin (HTML, SVG, XML,
/// JavaScript, anything not known to be passive) is sent as an attachment with
/// <c>Content-Security-Policy: sandbox</c>, unless <c>Downloads:InlineActiveContent</c> is set, which keeps
/// the sandbox but lets the browser show it. The decision is by allow-list: only types known to be passive
/// are shown inline, so a type nobody thought of is downloaded, not rendered.
/// </summary>
public static class UserContent
{
    /// <summary>Types a browser displays without running anything in the page's origin.</summary>
    private static readonly HashSet<string> Passive = new(StringComparer.OrdinalIgnoreCase)
    {
        "text/plain", "text/csv", "text/markdown", "application/json", "application/pdf", "application/octet-stream",
        "application/zip", "application/gzip", "application/x-tar", "application/cbor",
        "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp",
    };

    /// <summary>True when a browser may show bytes of this type inline without giving them the page's origin.</summary>
    public static bool IsPassive(string? mediaType)
    {
        if (!MediaTypeHeaderValue.TryParse(mediaType, out var parsed) || parsed.MediaType.Value is not { } type)
        {
            return false;
        }

        // Audio and video play in the browser's player; they carry no script.
        return Passive.Contains(type) || type.StartsWith("audio/", StringComparison.OrdinalIgnoreCase) || type.StartsWith("video/", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Sets the type and, for active content, the sandbox and (unless configured inline) attachment disposition.</summary>
    public static void Present(HttpResponse response, string mediaType, string? fileName, bool inlineActiveContent)
    {
        response.ContentType = mediaType;
        if (IsPassive(mediaType))
        {
            return;
        }

        // Even when shown inline, the document gets a unique origin: no script, no access to the dashboard's cookies or storage.
        response.Headers.ContentSecurityPolicy = "sandbox";
        if (!inlineActiveContent)
        {
            var disposition = new ContentDispositionHeaderValue("attachment");
            if (!string.IsNullOrEmpty(fileName))
            {
                disposition.SetHttpFileName(fileName);
            }

            response.Headers.ContentDisposition = disposition.ToString();
        }
    }
}
