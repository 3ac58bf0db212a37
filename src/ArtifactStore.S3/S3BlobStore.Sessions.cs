using System.Buffers;
using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;

namespace ArtifactStore.S3;

/// <summary>
/// The S3 half of upload sessions on the scale-out backend (docs/upload.md, "Upload sessions on scale-out"):
/// each session is a multipart upload at <c>&lt;prefix&gt;uploads/&lt;id&gt;</c>; finishing completes it
/// there and <see cref="PutAsync"/> copies the object to the blob's key, as it puts any staged blob
/// (HEAD first, nothing written when the blob is there), then the object at the session's key is removed. The database half keeps which parts belong to it.
/// </summary>
public sealed partial class S3BlobStore
{
    /// <summary>S3's largest single copy; a larger object is copied in parts.</summary>
    private const long MaxCopyBytes = 5L * 1024 * 1024 * 1024;

    /// <summary>Staging tokens of sessions' objects in the bucket start with this; local staging tokens are absolute paths.</summary>
    private const string SessionTokenPrefix = "s3-session:";

    /// <summary>The size of every part but the last (<c>Store:S3:PartSize</c>, at least S3's 5 MiB).</summary>
    public long PartSize => _options.PartSize;

    /// <summary>A staged blob that is the finished object of session <paramref name="session"/>, for <see cref="PutAsync"/>.</summary>
    public StagedBlob StagedSession(Guid session, BlobDigest digest, string blake3Hex, long size) =>
        new(digest, blake3Hex, size, SessionTokenPrefix + _keys.Session(session));

    /// <summary>Starts the session's multipart upload; its id.</summary>
    public async Task<string> StartSessionAsync(Guid session, CancellationToken cancellationToken)
    {
        var key = _keys.Session(session);
        var started = await S3Failures.RunAsync($"CREATE MULTIPART {key}", () => _client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = _options.Bucket,
            Key = key,
            ContentType = "application/octet-stream",
        }, cancellationToken), cancellationToken);
        return started.UploadId;
    }

    /// <summary>Uploads part <paramref name="number"/> of the session's multipart upload (replacing any earlier one of that number); its ETag.</summary>
    public Task<string> UploadSessionPartAsync(Guid session, string uploadId, int number, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        UploadPartAsync(_keys.Session(session), uploadId, number, bytes, cancellationToken);

    /// <summary>Completes the session's multipart upload from exactly <paramref name="parts"/>: the object appears at the session's key.</summary>
    public async Task CompleteSessionAsync(Guid session, string uploadId, IReadOnlyList<(int Number, string ETag)> parts, CancellationToken cancellationToken)
    {
        var key = _keys.Session(session);
        await S3Failures.RunAsync($"COMPLETE MULTIPART {key}", () => _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = _options.Bucket,
            Key = key,
            UploadId = uploadId,
            PartETags = [.. parts.Select(p => new PartETag(p.Number, p.ETag))],
        }, cancellationToken), cancellationToken);
    }

    /// <summary>Puts a session that never filled a part as one object at the session's key.</summary>
    public Task PutSessionObjectAsync(Guid session, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        PutBytesAsync(_keys.Session(session), bytes, cancellationToken);

    /// <summary>The length of the session's completed object, or null when there is none.</summary>
    public async Task<long?> SessionObjectSizeAsync(Guid session, CancellationToken cancellationToken) =>
        (await HeadAsync(_keys.Session(session), cancellationToken))?.ContentLength;

    /// <summary>Removes the session's completed object, if any.</summary>
    public Task DeleteSessionObjectAsync(Guid session, CancellationToken cancellationToken) =>
        DeleteObjectAsync(_keys.Session(session), cancellationToken);

    /// <summary>
    /// Aborts the session's multipart upload, which frees its parts. True when S3 aborted it or it was already
    /// gone; false when the server cannot abort uploads (405 or 501, as s3rver), where the bucket's lifecycle
    /// rule ("abort incomplete multipart uploads after N days") frees them (docs/s3.md, "Leftovers").
    /// </summary>
    public async Task<bool> AbortSessionAsync(Guid session, string uploadId, CancellationToken cancellationToken)
    {
        var key = _keys.Session(session);
        try
        {
            return await S3Failures.RunAsync($"ABORT MULTIPART {key}", async () =>
            {
                await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _options.Bucket, Key = key, UploadId = uploadId }, cancellationToken);
                return true;
            }, whenMissing: true, cancellationToken);
        }
        catch (StorageUnavailableException e) when (e.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.NotImplemented or HttpStatusCode.MethodNotAllowed })
        {
            return false;
        }
    }

    private static string? SessionKeyOf(StagedBlob staged) =>
        staged.StagingToken.StartsWith(SessionTokenPrefix, StringComparison.Ordinal) ? staged.StagingToken[SessionTokenPrefix.Length..] : null;

    private async Task DeleteObjectAsync(string key, CancellationToken cancellationToken) =>
        await S3Failures.RunAsync<DeleteObjectResponse?>($"DELETE {key}",
            async () => await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _options.Bucket, Key = key }, cancellationToken), whenMissing: null, cancellationToken);

    /// <summary>
    /// Copies the session's object at <paramref name="source"/> to <paramref name="destination"/>: a server-side
    /// <c>CopyObject</c> (S3's largest is 5 GiB), else, or when the server does not understand the copy (s3rver
    /// answers that the source's bucket does not exist), streamed through this process a part at a time (ranged
    /// GETs, the ETag pinned, into a one-part buffer; a multipart upload when it is larger than one part). The
    /// object appears at its key only when the copy completes. No byte is hashed again: the session's digests
    /// are already known, and reads verify the blob as for any other.
    /// </summary>
    private async Task CopyAsync(string source, string destination, long size, CancellationToken cancellationToken)
    {
        if (size <= MaxCopyBytes)
        {
            try
            {
                await S3Failures.RunAsync($"COPY {source} to {destination}", () => _client.CopyObjectAsync(new CopyObjectRequest
                {
                    SourceBucket = _options.Bucket,
                    SourceKey = source,
                    DestinationBucket = _options.Bucket,
                    DestinationKey = destination,
                    ContentType = "application/octet-stream",
                    MetadataDirective = S3MetadataDirective.REPLACE,
                }, cancellationToken), cancellationToken);
                return;
            }
            catch (StorageUnavailableException e) when (e.InnerException is AmazonS3Exception
            {
                StatusCode: HttpStatusCode.NotImplemented or HttpStatusCode.MethodNotAllowed,
            } or AmazonS3Exception { ErrorCode: "NoSuchBucket" or "NoSuchKey" })
            {
                // The source was just seen, in this bucket: the server does not take the copy as S3 does.
            }
        }

        await StreamCopyAsync(source, destination, size, cancellationToken);
    }

    private async Task StreamCopyAsync(string source, string destination, long size, CancellationToken cancellationToken)
    {
        var head = await HeadAsync(source, cancellationToken)
            ?? throw S3Failures.Unavailable($"HEAD {source}", new IOException($"the finished upload {source} is gone"));
        var partSize = (int)_options.PartSize;
        var buffer = ArrayPool<byte>.Shared.Rent(partSize);
        try
        {
            await using var read = new S3ObjectStream(_client, _options.Bucket, source, head.ContentLength, head.ETag, 0, open: null);
            if (size <= partSize)
            {
                await read.ReadExactlyAsync(buffer.AsMemory(0, (int)size), cancellationToken);
                await PutBytesAsync(destination, buffer.AsMemory(0, (int)size), cancellationToken);
                return;
            }

            await PutInPartsAsync(destination, async uploadId =>
            {
                var parts = new List<PartETag>();
                long offset = 0;
                for (var number = 1; offset < size; number++)
                {
                    var length = (int)Math.Min(partSize, size - offset);
                    await read.ReadExactlyAsync(buffer.AsMemory(0, length), cancellationToken);
                    parts.Add(new PartETag(number, await UploadPartAsync(destination, uploadId, number, buffer.AsMemory(0, length), cancellationToken)));
                    offset += length;
                }

                return parts;
            }, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<string> UploadPartAsync(string key, string uploadId, int number, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        var response = await S3Failures.RunAsync($"UPLOAD PART {number} of {key}", async () =>
        {
            await using var body = new ReadOnlyMemoryStream(bytes);
            return await _client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = _options.Bucket,
                Key = key,
                UploadId = uploadId,
                PartNumber = number,
                InputStream = body,
                PartSize = bytes.Length,
                UseChunkEncoding = false,
            }, cancellationToken);
        }, cancellationToken);
        return response.ETag;
    }

    private async Task PutBytesAsync(string key, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        await S3Failures.RunAsync($"PUT {key}", async () =>
        {
            await using var body = new ReadOnlyMemoryStream(bytes);
            return await _client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = _options.Bucket,
                Key = key,
                InputStream = body,
                AutoCloseStream = false,
                UseChunkEncoding = false,
                ContentType = "application/octet-stream",
            }, cancellationToken);
        }, cancellationToken);

    /// <summary>A read-only stream over memory the SDK may read twice (it rewinds a body to retry a request).</summary>
    private sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> bytes) : ReadOnlyStream
    {
        public override bool CanSeek => true;

        public override long Length => bytes.Length;

        public override long Position { get; set; }

        public override int Read(Span<byte> buffer)
        {
            var take = (int)Math.Min(buffer.Length, Math.Max(0, bytes.Length - Position));
            bytes.Span.Slice((int)Position, take).CopyTo(buffer);
            Position += take;
            return take;
        }

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => Position + offset,
            _ => bytes.Length + offset,
        };
    }
}
