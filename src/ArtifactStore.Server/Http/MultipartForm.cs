using System.Text;
using ArtifactStore.Core.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace ArtifactStore.Server.Http;

/// <summary>
/// Streams a <c>multipart/form-data</c> body part by part: small text fields are read (bounded, UTF-8
/// checked) and handed over as strings, file parts are handed over as streams, never buffered.
/// </summary>
public static class MultipartForm
{
    private const int MaxFieldBytes = 64 * 1024;
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    /// <summary>
    /// Lifts Kestrel's request body limit for a streamed upload: the store counts file bytes itself
    /// (413 with a clear code), and framing overhead is bounded by the reader's own limits.
    /// </summary>
    public static void LiftBodySizeLimit(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = null;
        }
    }

    /// <summary>The boundary of a <c>multipart/form-data</c> request, or null when the request is not one.</summary>
    public static string? BoundaryOf(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType) &&
        contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase) &&
        HeaderUtilities.RemoveQuotes(contentType.Boundary).Length > 0
            ? HeaderUtilities.RemoveQuotes(contentType.Boundary).ToString()
            : null;

    /// <summary>Feeds every part to <paramref name="onField"/> (name, value) or <paramref name="onFile"/> (field name, file name, media type, content); returns the first problem, or null.</summary>
    public static async Task<StoreError?> ReadAsync(
        HttpContext context,
        string boundary,
        Func<string, string, StoreError?> onField,
        Func<string, string, string, Stream, Task<StoreError?>> onFile)
    {
        var reader = new MultipartReader(boundary, context.Request.Body)
        {
            HeadersLengthLimit = 16 * 1024,
            HeadersCountLimit = 16,
            BodyLengthLimit = null,
        };
        try
        {
            while (await reader.ReadNextSectionAsync(context.RequestAborted) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) ||
                    !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    return StoreError.Validation("every part needs a 'Content-Disposition: form-data' header");
                }

                var name = HeaderUtilities.RemoveQuotes(disposition.Name).ToString();
                var fileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
                StoreError? problem;
                if (fileName is not null && (disposition.FileName.HasValue || disposition.FileNameStar.HasValue))
                {
                    problem = await onFile(name, fileName, MediaTypeOf(section.ContentType, fileName), section.Body);
                }
                else
                {
                    var value = await ReadFieldAsync(name, section.Body, context.RequestAborted);
                    problem = value.IsSuccess ? onField(name, value.Value) : value.Error;
                }

                if (problem is not null)
                {
                    return problem;
                }
            }
        }
        catch (InvalidDataException e)
        {
            return StoreError.Validation($"the multipart body is malformed: {e.Message}");
        }
        catch (BadHttpRequestException e)
        {
            return StoreError.Validation($"the request body could not be read: {e.Message}");
        }

        return null;
    }

    private static async Task<Result<string>> ReadFieldAsync(string name, Stream body, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxFieldBytes + 1];
        var total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
            if (total > MaxFieldBytes)
            {
                return StoreError.Validation($"form field '{name}' is longer than {MaxFieldBytes} bytes", name);
            }
        }

        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer, 0, total);
        }
        catch (DecoderFallbackException)
        {
            return StoreError.Validation($"form field '{name}' is not valid UTF-8", name);
        }
    }

    private static string MediaTypeOf(string? declared, string path)
    {
        if (!string.IsNullOrEmpty(declared) &&
            MediaTypeHeaderValue.TryParse(declared, out var parsed) &&
            !parsed.MediaType.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            return parsed.ToString();
        }

        return ContentTypes.TryGetContentType(path, out var inferred) ? inferred : "application/octet-stream";
    }
}
