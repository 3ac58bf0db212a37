using System.Buffers;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Diagnostics;
using ArtifactStore.Server.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ArtifactStore.Server.Http;

/// <summary>
/// Sends a blob's bytes: <c>ETag: "sha256:…"</c>, <c>If-None-Match</c>, single <c>Range</c>, and
/// verification. Bad bytes are never sent as good: a blob that fails verification before the first
/// byte is answered <c>blob_corrupt</c>; one that fails while streaming has its response aborted so the
/// client sees a broken transfer, not a complete one. Every blob goes out through here, so every download
/// is presented by <see cref="UserContent"/> (active types as sandboxed attachments). A caller that knows the
/// blob's recorded BLAKE3 passes it, and the bytes are checked against that cheaper digest.
/// <para>
/// sendfile cannot be used while every read is verified: the bytes have to pass through the process to be
/// hashed. A whole blob small enough to verify up front (4 MiB) is read once into a pooled buffer, hashed there
/// and written in one write, with no stream or copy loop between (docs/upload.md, "Reading back").
/// </para>
/// </summary>
public static class BlobResponses
{
    public static async Task SendAsync(HttpContext context, BlobReader reader, BlobDigest digest, long size, string mediaType, ILogger logger,
        bool headOnly = false, string? fileName = null, string? blake3Hex = null)
    {
        var inlineActive = context.RequestServices.GetRequiredService<StoreRuntime>().Options.Downloads.InlineActiveContent;
        var etag = $"\"{digest}\"";
        var response = context.Response;
        response.Headers.ETag = etag;
        response.Headers.AcceptRanges = "bytes";
        response.Headers.CacheControl = "private, max-age=31536000, immutable";
        if (IfNoneMatchHits(context.Request, etag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        var (range, satisfiable) = ByteRange.Parse(context.Request.Headers.Range.ToString(), size);
        if (!satisfiable)
        {
            response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
            response.Headers.ContentRange = $"bytes */{size}";
            return;
        }

        if (headOnly)
        {
            response.StatusCode = StatusCodes.Status200OK;
            UserContent.Present(response, mediaType, fileName, inlineActive);
            response.ContentLength = size;
            return;
        }

        if (range is null && reader.VerifiesUpFront(size))
        {
            await SendSmallAsync(context, reader, digest, blake3Hex, size, mediaType, fileName, inlineActive, logger);
            return;
        }

        var opened = await reader.OpenAsync(digest, blake3Hex, size, needRandomAccess: range is not null, context.RequestAborted);
        if (!opened.IsSuccess)
        {
            logger.LogError("Refusing to serve {Digest}: {Problem}", digest, opened.Error.Message);
            await Problems.WriteAsync(context, opened.Error);
            return;
        }

        await using var blob = opened.Value;
        UserContent.Present(response, mediaType, fileName, inlineActive);
        var (offset, length) = range is { } r ? (r.Start, r.Length) : (0L, size);
        if (range is not null)
        {
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = $"bytes {offset}-{offset + length - 1}/{size}";
            blob.Stream.Position = offset;
        }
        else
        {
            response.StatusCode = StatusCodes.Status200OK;
        }

        response.ContentLength = length;
        try
        {
            await CopyAsync(blob.Stream, response.Body, length, verifyBeforeLastChunk: !blob.Verified, context.RequestAborted);
            await response.Body.FlushAsync(context.RequestAborted);
        }
        catch (BlobCorruptException e)
        {
            reader.Forget(digest);
            logger.LogError("Aborted the response for {Digest}: {Problem}", digest, e.Message);
            context.Abort();
        }
    }

    /// <summary>A whole small blob: read and verified in a pooled buffer, then sent in one write.</summary>
    private static async Task SendSmallAsync(HttpContext context, BlobReader reader, BlobDigest digest, string? blake3Hex, long size,
        string mediaType, string? fileName, bool inlineActive, ILogger logger)
    {
        var read = await reader.ReadSmallAsync(digest, blake3Hex, size, context.RequestAborted);
        if (!read.IsSuccess)
        {
            logger.LogError("Refusing to serve {Digest}: {Problem}", digest, read.Error.Message);
            await Problems.WriteAsync(context, read.Error);
            return;
        }

        using var blob = read.Value;
        var response = context.Response;
        UserContent.Present(response, mediaType, fileName, inlineActive);
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentLength = size;

        // The headers go into Kestrel's output pipe (not yet sent), then the verified bytes are copied once into one
        // segment of the pipe asked for at their full size, and one flush sends both. A plain write would cut the bytes
        // into the pool's 64 KiB blocks, which for a large file meant many fresh blocks per response.
        await response.StartAsync(context.RequestAborted);
        var body = response.BodyWriter;
        var length = (int)size;
        blob.Bytes.Span.CopyTo(body.GetSpan(length));
        body.Advance(length);
        await body.FlushAsync(context.RequestAborted);
        StoreMetrics.DownloadedBytes.Add(size);
    }

    private static bool IfNoneMatchHits(HttpRequest request, string etag)
    {
        var header = request.Headers.IfNoneMatch.ToString();
        if (string.IsNullOrEmpty(header))
        {
            return false;
        }

        return header.Trim() == "*" ||
               header.Split(',').Select(t => t.Trim()).Any(t => t == etag || t == "W/" + etag);
    }

    /// <summary>
    /// Copies <paramref name="length"/> bytes. With <paramref name="verifyBeforeLastChunk"/>, the last
    /// chunk is held back until a read past the end has made the verifying stream check the digest, so
    /// a corrupt blob never reaches the client as a complete response.
    /// </summary>
    private static async Task CopyAsync(Stream source, Stream destination, long length, bool verifyBeforeLastChunk, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(256 * 1024);
        try
        {
            var remaining = length;
            while (remaining > 0)
            {
                var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken);
                if (read == 0)
                {
                    throw new BlobCorruptException("the blob ended before its recorded length");
                }

                if (verifyBeforeLastChunk && read == remaining)
                {
                    _ = await source.ReadAsync(new byte[1], cancellationToken);
                }

                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                StoreMetrics.DownloadedBytes.Add(read);
                remaining -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
