using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Health;
using ArtifactStore.FileSystem;

namespace ArtifactStore.S3;

/// <summary>
/// Blobs as objects at <c>&lt;prefix&gt;blobs/sha256/&lt;hex&gt;</c> in an S3 bucket (docs/s3.md). An upload
/// is staged in a local file (both digests computed while it is written, memory bounded), then put at
/// its content address: a HEAD first, and only when nothing of that length is there, one PUT (or a
/// multipart upload for a large blob) from the staged file. Concurrent puts of one digest in this
/// process take turns; across processes two puts may both write, which is safe because both write the
/// same bytes to the same key. A put is durable when S3 has acknowledged it. Every failure of the object
/// store is a <see cref="StorageUnavailableException"/>.
/// </summary>
public sealed partial class S3BlobStore : IBlobStore, IDisposable
{
    private const int Stripes = 64;
    private readonly IAmazonS3 _client;
    private readonly bool _ownsClient;
    private readonly S3BlobStoreOptions _options;
    private readonly string _tempDirectory;
    private readonly StagingDirectory _staging;
    private readonly S3Keys _keys;
    private readonly SemaphoreSlim[] _putLocks = [.. Enumerable.Range(0, Stripes).Select(_ => new SemaphoreSlim(1, 1))];

    /// <param name="options">Where the blobs are.</param>
    /// <param name="tempDirectory">The local staging directory (the data root's <c>tmp/</c>), created when missing.</param>
    public S3BlobStore(S3BlobStoreOptions options, string tempDirectory)
        : this(S3Clients.Create(options), options, tempDirectory, ownsClient: true)
    {
    }

    internal S3BlobStore(IAmazonS3 client, S3BlobStoreOptions options, string tempDirectory, bool ownsClient)
    {
        _client = client;
        _ownsClient = ownsClient;
        _options = options;
        _tempDirectory = tempDirectory;
        _staging = new StagingDirectory(tempDirectory);
        _keys = new S3Keys(options.NormalizedPrefix);
        Directory.CreateDirectory(tempDirectory);
    }

    /// <summary>Objects are outside the database: every blob of this store is.</summary>
    public IBlobStore OutsideTheDatabase => this;

    /// <summary>The key of a blob's object.</summary>
    public string KeyOf(BlobDigest digest) => _keys.Blob(digest);

    // Staged on local disk first (both digests, bounded memory), then put as one object (docs/s3.md).
    public Task<Result<StagedBlob>> StageAsync(Stream content, long maxBytes, CancellationToken cancellationToken) =>
        _staging.StageAsync(content, maxBytes, cancellationToken);

    /// <summary>The stripe of <c>_putLocks</c> that serializes puts and refreshes of one digest in this process.</summary>
    private SemaphoreSlim PutLockOf(BlobDigest digest) => _putLocks[Convert.ToInt32(digest.Hex[..2], 16) % Stripes];

    public async Task<BlobPutOutcome> PutAsync(StagedBlob staged, CancellationToken cancellationToken)
    {
        var key = KeyOf(staged.Digest);
        var inBucket = SessionKeyOf(staged);
        var gate = PutLockOf(staged.Digest);
        await gate.WaitAsync(cancellationToken);
        try
        {
            // Put-if-absent by looking first: the key is the digest, so bytes of the right length there are
            // these bytes (reads verify them anyway). A wrong length is damage, which the upload replaces.
            var existing = await HeadAsync(key, cancellationToken);
            if (existing is not null && existing.ContentLength == staged.Size)
            {
                return BlobPutOutcome.AlreadyExists;
            }

            if (inBucket is not null)
            {
                // A finished upload session: its bytes are already in the bucket, so S3 copies them.
                await CopyAsync(inBucket, key, staged.Size, cancellationToken);
            }
            else if (staged.Size > _options.MultipartThreshold)
            {
                await PutMultipartAsync(key, staged, cancellationToken);
            }
            else
            {
                await PutSingleAsync(key, staged, cancellationToken);
            }

            return BlobPutOutcome.Stored;
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task DiscardAsync(StagedBlob staged, CancellationToken cancellationToken)
    {
        if (SessionKeyOf(staged) is { } key)
        {
            await DeleteObjectAsync(key, cancellationToken);
            return;
        }

        StagingDirectory.Discard(staged);
    }

    public IAsyncEnumerable<StagingEntry> ListStagingAsync(CancellationToken cancellationToken) => _staging.ListAsync(cancellationToken);

    public Task DiscardStagingAsync(StagingEntry entry, CancellationToken cancellationToken)
    {
        _staging.Discard(entry);
        return Task.CompletedTask;
    }

    public async Task<BlobContent?> OpenReadAsync(BlobDigest digest, long offset, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var key = KeyOf(digest);
        var head = await HeadAsync(key, cancellationToken);
        if (head is null)
        {
            return null;
        }

        // The GET is issued at the first read, and must find the ETag seen here (S3ObjectStream).
        var stream = new S3ObjectStream(_client, _options.Bucket, key, head.ContentLength, head.ETag, Math.Min(offset, head.ContentLength), open: null);
        return new BlobContent(stream, head.ContentLength, VersionOf(head.ETag));
    }

    public async Task<BlobStat?> StatAsync(BlobDigest digest, CancellationToken cancellationToken)
    {
        var head = await HeadAsync(KeyOf(digest), cancellationToken);
        return head is null ? null : new BlobStat(head.ContentLength, LastModifiedOf(head));
    }

    /// <summary>
    /// S3 sets an object's LastModified only when it writes the object, so the object is copied onto itself (a
    /// server-side copy that replaces its metadata, or streamed through this process where the server has no such
    /// copy; see <see cref="CopyAsync"/>). The bytes, and so the key, are the same. An object removed before or
    /// during the copy answers false; the caller puts it again (docs/gc.md, "Uploads without a package").
    /// </summary>
    public async Task<bool> RefreshAsync(BlobDigest digest, CancellationToken cancellationToken)
    {
        var key = KeyOf(digest);
        var gate = PutLockOf(digest);
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (await HeadAsync(key, cancellationToken) is not { } head)
            {
                return false;
            }

            try
            {
                await CopyAsync(key, key, head.ContentLength, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The collector may have removed the object while it was being copied; anything else is a failure.
                if (await HeadAsync(key, cancellationToken) is null)
                {
                    return false;
                }

                throw;
            }

            // A removal after the copy is the caller's to find: its unit of work checks the bytes once more.
            return true;
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<long?> DeleteAsync(BlobDigest digest, CancellationToken cancellationToken)
    {
        var key = KeyOf(digest);
        var head = await HeadAsync(key, cancellationToken);
        if (head is null)
        {
            return null;
        }

        await S3Failures.RunAsync($"DELETE {key}",
            () => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _options.Bucket, Key = key }, cancellationToken), cancellationToken);
        return head.ContentLength;
    }

    public async IAsyncEnumerable<BlobDigest> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = _keys.BlobPrefix };
        while (true)
        {
            var page = await S3Failures.RunAsync($"LIST {_keys.BlobPrefix}", () => _client.ListObjectsV2Async(request, cancellationToken), cancellationToken);
            foreach (var item in page.S3Objects ?? [])
            {
                if (_keys.TryParseBlob(item.Key, out var digest))
                {
                    yield return digest;
                }
            }

            if (page.IsTruncated != true || string.IsNullOrEmpty(page.NextContinuationToken))
            {
                yield break;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    /// <summary>
    /// Always null: a presigned URL would hand out bytes the store has not verified, outside its
    /// authentication and its download headers. The server streams (and verifies) every download.
    /// </summary>
    /// <summary>
    /// Aborts the incomplete multipart uploads under this store's blob keys that were started before
    /// <paramref name="startedBefore"/>: a process that died between creating an upload and completing
    /// it leaves its parts stored (and billed) but no object (docs/s3.md, "Leftovers"). An upload this
    /// process still runs is younger than the grace period. A server that cannot list multipart uploads
    /// (501 <c>NotImplemented</c>, as s3rver) has nothing this store can find: 0, and the bucket's
    /// lifecycle rule remains the safety net. Any other failure is <c>storage_unavailable</c>, like every call.
    /// </summary>
    public async Task<int> AbortStaleUploadsAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken)
    {
        var prefix = _keys.BlobPrefix;
        var aborted = 0;
        string? keyMarker = null, uploadIdMarker = null;
        while (true)
        {
            ListMultipartUploadsResponse page;
            try
            {
                page = await S3Failures.RunAsync($"LIST MULTIPART UPLOADS {prefix}", () => _client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest
                {
                    BucketName = _options.Bucket,
                    Prefix = prefix,
                    KeyMarker = keyMarker,
                    UploadIdMarker = uploadIdMarker,
                }, cancellationToken), cancellationToken);
            }
            catch (StorageUnavailableException e) when (e.InnerException is AmazonS3Exception { StatusCode: System.Net.HttpStatusCode.NotImplemented })
            {
                return aborted;
            }

            foreach (var upload in page.MultipartUploads ?? [])
            {
                if (upload.Initiated is { } initiated && new DateTimeOffset(initiated.ToUniversalTime(), TimeSpan.Zero) < startedBefore
                    && upload.Key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    var (key, uploadId) = (upload.Key, upload.UploadId);
                    var gone = await S3Failures.RunAsync($"ABORT MULTIPART {key}", async () =>
                    {
                        await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _options.Bucket, Key = key, UploadId = uploadId }, cancellationToken);
                        return true;
                    }, whenMissing: false, cancellationToken);
                    aborted += gone ? 1 : 0;
                }
            }

            if (page.IsTruncated != true)
            {
                return aborted;
            }

            (keyMarker, uploadIdMarker) = (page.NextKeyMarker, page.NextUploadIdMarker);
        }
    }

    public Task<Uri?> GetDownloadUrlAsync(BlobDigest digest, TimeSpan validFor, CancellationToken cancellationToken) =>
        Task.FromResult<Uri?>(null);

    public async Task<HealthCheck> CheckWritableAsync(CancellationToken cancellationToken)
    {
        if (ProbeStaging() is { } problem)
        {
            return HealthCheck.Failed(HealthCheckNames.BlobStore, $"cannot create and write a file in {_tempDirectory}: {problem}",
                "make the data root's tmp/ a writable directory for the user the server runs as");
        }

        // A small object at a probe key (never a blob address), written and removed again.
        var key = _keys.Probe(Guid.NewGuid());
        try
        {
            await S3Failures.RunAsync($"PUT {key}", () => _client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = _options.Bucket,
                Key = key,
                ContentBody = "probe",
                UseChunkEncoding = false,
            }, cancellationToken), cancellationToken);
            await S3Failures.RunAsync($"DELETE {key}",
                () => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _options.Bucket, Key = key }, cancellationToken), cancellationToken);
        }
        catch (StorageUnavailableException e)
        {
            return HealthCheck.Failed(HealthCheckNames.BlobStore, e.Message,
                $"check that the S3 endpoint is reachable, that bucket '{_options.Bucket}' exists and that the credentials may write to it");
        }

        return HealthCheck.Ok(HealthCheckNames.BlobStore, $"durable writes to {_tempDirectory} and to bucket '{_options.Bucket}' succeeded");
    }

    /// <summary>
    /// The text of the store's marker object (<c>&lt;prefix&gt;store.json</c>, which says which store and lane
    /// the bucket's blobs belong to), or null when there is none. Fails as <c>storage_unavailable</c>.
    /// </summary>
    public async Task<string?> ReadMarkerAsync(CancellationToken cancellationToken)
    {
        var key = _keys.Marker;
        return await S3Failures.RunAsync($"GET {key}", async () =>
        {
            using var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _options.Bucket, Key = key }, cancellationToken);
            using var reader = new StreamReader(response.ResponseStream, Encoding.UTF8);
            return await reader.ReadToEndAsync(cancellationToken);
        }, (string?)null, cancellationToken);
    }

    /// <summary>Writes the store's marker object (see <see cref="ReadMarkerAsync"/>).</summary>
    public async Task WriteMarkerAsync(string text, CancellationToken cancellationToken)
    {
        var key = _keys.Marker;
        await S3Failures.RunAsync($"PUT {key}", () => _client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _options.Bucket,
            Key = key,
            ContentBody = text,
            ContentType = "application/json",
            UseChunkEncoding = false,
        }, cancellationToken), cancellationToken);
    }

    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }

        foreach (var gate in _putLocks)
        {
            gate.Dispose();
        }
    }

    private async Task PutSingleAsync(string key, StagedBlob staged, CancellationToken cancellationToken)
    {
        // Opened outside the translation: a staged file that cannot be read is a local failure, not S3's.
        await using var file = OpenStaged(staged);
        await S3Failures.RunAsync($"PUT {key}", () => _client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _options.Bucket,
            Key = key,
            InputStream = file,
            AutoCloseStream = false,
            // Without this the SDK frames the body in aws-chunked encoding, which some servers store as the object's bytes.
            UseChunkEncoding = false,
            ContentType = "application/octet-stream",
        }, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Parts of <see cref="S3BlobStoreOptions.PartSize"/> read from the staged file one at a time, so memory
    /// stays bounded. The object appears at its key only when the upload completes; an upload that fails
    /// is aborted (best effort: a crash leaves it to the bucket's lifecycle rule, docs/s3.md).
    /// </summary>
    private Task PutMultipartAsync(string key, StagedBlob staged, CancellationToken cancellationToken) =>
        PutInPartsAsync(key, async uploadId =>
        {
            var parts = new List<PartETag>();
            long offset = 0;
            for (var number = 1; offset < staged.Size; number++)
            {
                var size = Math.Min(_options.PartSize, staged.Size - offset);
                var position = offset;
                var partNumber = number;
                var uploaded = await S3Failures.RunAsync($"UPLOAD PART {number} of {key}", () => _client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _options.Bucket,
                    Key = key,
                    UploadId = uploadId,
                    PartNumber = partNumber,
                    FilePath = staged.StagingToken,
                    FilePosition = position,
                    PartSize = size,
                    UseChunkEncoding = false,
                }, cancellationToken), cancellationToken);
                parts.Add(new PartETag(partNumber, uploaded.ETag));
                offset += size;
            }

            return parts;
        }, cancellationToken);

    /// <summary>
    /// One multipart upload at <paramref name="key"/>: started, given the parts <paramref name="uploadParts"/>
    /// uploads under its id, and completed; aborted (best effort) when anything fails before it completes.
    /// </summary>
    private async Task PutInPartsAsync(string key, Func<string, Task<List<PartETag>>> uploadParts, CancellationToken cancellationToken)
    {
        var started = await S3Failures.RunAsync($"CREATE MULTIPART {key}", () => _client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = _options.Bucket,
            Key = key,
            ContentType = "application/octet-stream",
        }, cancellationToken), cancellationToken);
        var completed = false;
        try
        {
            var parts = await uploadParts(started.UploadId);
            await S3Failures.RunAsync($"COMPLETE MULTIPART {key}", () => _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _options.Bucket,
                Key = key,
                UploadId = started.UploadId,
                PartETags = parts,
            }, cancellationToken), cancellationToken);
            completed = true;
        }
        finally
        {
            if (!completed)
            {
                await TryAbortAsync(key, started.UploadId);
            }
        }
    }

    private async Task TryAbortAsync(string key, string uploadId)
    {
        try
        {
            await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _options.Bucket, Key = key, UploadId = uploadId });
        }
        catch (Exception e) when (e is AmazonS3Exception or Amazon.Runtime.AmazonClientException or HttpRequestException or IOException or OperationCanceledException)
        {
            // The upload already failed; a leftover upload holds no object and is removed by the lifecycle rule.
        }
    }

    /// <summary>Stages are files in tmp/: a small durable write there, removed again; the failure's message, or null.</summary>
    private string? ProbeStaging()
    {
        var path = Path.Combine(_tempDirectory, "probe-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                file.WriteByte(1);
                file.Flush(flushToDisk: true);
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
        finally
        {
            StagingDirectory.TryDelete(path);
        }
    }

    private Task<GetObjectMetadataResponse?> HeadAsync(string key, CancellationToken cancellationToken) =>
        S3Failures.RunAsync<GetObjectMetadataResponse?>($"HEAD {key}",
            async () => await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _options.Bucket, Key = key }, cancellationToken),
            whenMissing: null, cancellationToken);

    private static FileStream OpenStaged(StagedBlob staged) =>
        new(staged.StagingToken, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1024 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);

    private static DateTimeOffset LastModifiedOf(GetObjectMetadataResponse head) =>
        head.LastModified is { } modified ? new DateTimeOffset(DateTime.SpecifyKind(modified.ToUniversalTime(), DateTimeKind.Utc)) : DateTimeOffset.UnixEpoch;

    /// <summary>The ETag changes whenever an object's bytes are replaced, so it serves as the blob's version.</summary>
    private static long VersionOf(string etag) =>
        BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(etag)), 0);
}
