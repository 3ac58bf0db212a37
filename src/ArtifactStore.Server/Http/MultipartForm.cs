using System.Buffers;
using System.Text;
using ArtifactStore.Core.Blobs;
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
    private const int ReadBufferBytes = 64 * 1024;
    private const int MinReadBufferBytes = 1024;
    private const int LargeReadBufferBytes = 256 * 1024;
    private const int MaxBoundaryLength = 70;
    private const string Replacement = "\uFFFD";
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

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

    /// <summary>
    /// The boundary of a <c>multipart/form-data</c> request. Null when the request is not multipart at all
    /// (the caller decides what else it takes); 400 <c>malformed_request</c> when it claims to be but has no
    /// usable boundary (RFC 2046: 1–70 characters, not ending in a space).
    /// </summary>
    public static Result<string?> BoundaryOf(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType) ||
            !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return Result<string?>.Ok(null);
        }

        var boundary = HeaderUtilities.RemoveQuotes(contentType.Boundary).ToString();
        if (boundary.Length is 0 or > MaxBoundaryLength || boundary.EndsWith(' ') || !boundary.All(IsBoundaryChar))
        {
            return Malformed($"multipart/form-data needs a boundary of 1 to {MaxBoundaryLength} characters (RFC 2046)");
        }

        return boundary;
    }

    /// <summary>
    /// Feeds every part to <paramref name="onField"/> (name, value) or <paramref name="onFile"/> (field name,
    /// file name, media type, content); returns the first problem, or null. Every way the body can be
    /// broken — missing, cut short, without its closing boundary, with another boundary, with oversized
    /// part headers, names or values that are not UTF-8 — is 400 <c>malformed_request</c>. A file part's
    /// content stream reports a broken body as <see cref="MalformedRequestException"/>, so a failure
    /// writing the staged copy (the disk) stays distinguishable from a failure reading the client.
    /// </summary>
    public static async Task<StoreError?> ReadAsync(
        HttpContext context,
        string boundary,
        Func<string, string, StoreError?> onField,
        Func<string, string, string, Stream, Task<StoreError?>> onFile)
    {
        var reader = new MultipartReader(boundary, context.Request.Body, ReadBufferSize(context.Request.ContentLength, boundary))
        {
            HeadersLengthLimit = 16 * 1024,
            HeadersCountLimit = 16,
            BodyLengthLimit = null,
        };
        try
        {
            while (await ReadingClientAsync(() => reader.ReadNextSectionAsync(context.RequestAborted)) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) ||
                    !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    return Malformed("every part needs a 'Content-Disposition: form-data' header");
                }

                var name = HeaderUtilities.RemoveQuotes(disposition.Name).ToString();
                string? fileName;
                try
                {
                    fileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
                }
                catch (Exception e) when (e is DecoderFallbackException or ArgumentException or FormatException)
                {
                    return Malformed($"the file name of part '{name}' cannot be decoded");
                }

                // Part headers are decoded as UTF-8 with replacement: U+FFFD is what invalid bytes became.
                if (name.Contains(Replacement, StringComparison.Ordinal) || fileName?.Contains(Replacement, StringComparison.Ordinal) == true)
                {
                    return Malformed("a part's name or file name is not valid UTF-8 (or holds U+FFFD)", name);
                }

                StoreError? problem;
                if (fileName is not null && (disposition.FileName.HasValue || disposition.FileNameStar.HasValue))
                {
                    problem = await onFile(name, fileName, MediaTypeOf(section.ContentType, fileName), new ClientStream(section.Body));
                }
                else
                {
                    var value = await ReadingClientAsync(() => ReadFieldAsync(name, section.Body, context.RequestAborted));
                    problem = value.IsSuccess ? onField(name, value.Value) : value.Error;
                }

                if (problem is not null)
                {
                    return problem;
                }
            }
        }
        catch (MalformedRequestException e)
        {
            return e.Error;
        }

        return null;
    }

    /// <summary>
    /// The multipart reader's buffer for a body of <paramref name="contentLength"/> bytes (null: chunked, length
    /// unknown). A part's stream hands out at most this much per read, and each read passes through half a dozen async
    /// layers (the part, the buffered stream, Kestrel's body, its chunked decoder). The reader rents its buffer from
    /// the shared pool and never returns it (dotnet/aspnetcore#57478), so every request allocates the whole buffer
    /// anew. Hence three sizes:
    /// <list type="bullet">
    /// <item>a body under 64 KiB gets a buffer just larger than itself: 64 KiB for a 4 KiB package was most of what a
    ///   small write allocated (docs/performance.md, "Server CPU per small write: the HTTP side");</item>
    /// <item>a body of 1 MiB or more, or of unknown length, gets 256 KiB: against 64 KiB it cut the server's CPU per
    ///   uploaded GiB by about a tenth with curl as the client (docs/performance.md, "Large uploads: the receive block,
    ///   and what else was tried"), and one large-object allocation is nothing beside such a body;</item>
    /// <item>a body in between keeps 64 KiB (a quarter of the reads of the default 16 KiB).</item>
    /// </list>
    /// </summary>
    internal static int ReadBufferSize(long? contentLength, string boundary)
    {
        if (contentLength is not { } length || length >= 4 * LargeReadBufferBytes)
        {
            return LargeReadBufferBytes;
        }

        // The reader needs room for a boundary line: the boundary, CRLFs and the "--" markers.
        var least = Math.Max(MinReadBufferBytes, boundary.Length + 8);
        return length < ReadBufferBytes ? (int)Math.Max(length + 1, least) : ReadBufferBytes;
    }

    /// <summary>Runs a read of the request body, turning the ways the body can be broken into <see cref="MalformedRequestException"/>.</summary>
    private static async Task<T> ReadingClientAsync<T>(Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (Exception e) when (MalformedBody(e) is { } error)
        {
            throw new MalformedRequestException(error, e);
        }
    }

    // What the multipart reader throws for a broken body: IOException for an unexpected end (no closing
    // boundary, a truncated part, a boundary that never appears), InvalidDataException for its limits.
    // Kestrel's BadHttpRequestException keeps its own status (413 for its size limit, 400 for broken chunking).
    private static StoreError? MalformedBody(Exception e) => e switch
    {
        MalformedRequestException => null,
        BadHttpRequestException bad => ClientFaults.ForStatus(bad.StatusCode, $"the request body could not be read: {bad.Message}"),
        InvalidDataException or IOException => new StoreError(ErrorCodes.MalformedRequest, $"the multipart body is malformed: {e.Message}"),
        _ => null,
    };

    private static async Task<Result<string>> ReadFieldAsync(string name, Stream body, CancellationToken cancellationToken)
    {
        // Pooled: a new 64 KiB buffer per field was allocated and zeroed for values of a few bytes.
        var buffer = ArrayPool<byte>.Shared.Rent(MaxFieldBytes + 1);
        try
        {
            var total = 0;
            int read;
            while ((read = await body.ReadAsync(buffer.AsMemory(total, MaxFieldBytes + 1 - total), cancellationToken)) > 0)
            {
                total += read;
                if (total > MaxFieldBytes)
                {
                    return StoreError.Validation($"form field '{name}' is longer than {MaxFieldBytes} bytes", name);
                }
            }

            try
            {
                return StrictUtf8.GetString(buffer, 0, total);
            }
            catch (DecoderFallbackException)
            {
                return Malformed($"form field '{name}' is not valid UTF-8", name);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static StoreError Malformed(string message, string? field = null) =>
        new(ErrorCodes.MalformedRequest, message, field is null ? null : new Dictionary<string, object?> { ["field"] = field });

    // RFC 2046 bchars: DIGIT / ALPHA / ' ( ) + _ , - . / : = ? and space (not last).
    private static bool IsBoundaryChar(char c) => char.IsAsciiLetterOrDigit(c) || "'()+_,-./:=? ".Contains(c, StringComparison.Ordinal);

    /// <summary>The declared media type, or a guess from the path when none (or only <c>application/octet-stream</c>) is declared.</summary>
    public static string MediaTypeOf(string? declared, string path)
    {
        if (!string.IsNullOrEmpty(declared) &&
            MediaTypeHeaderValue.TryParse(declared, out var parsed) &&
            !parsed.MediaType.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            return parsed.ToString();
        }

        return ContentTypes.TryGetContentType(path, out var inferred) ? inferred : "application/octet-stream";
    }

    /// <summary>A file part's content as the stager reads it: reading failures of the client's body become <see cref="MalformedRequestException"/>.</summary>
    private sealed class ClientStream(Stream inner) : ReadOnlyStream
    {
        public override int Read(Span<byte> buffer) => ReadBlocking(buffer);

        // Called once per buffer of a large file part: the body is read without the closure and task that
        // ReadingClientAsync would allocate, with the same translation of a broken body.
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken);
            }
            catch (Exception e) when (MalformedBody(e) is { } error)
            {
                throw new MalformedRequestException(error, e);
            }
        }
    }
}
