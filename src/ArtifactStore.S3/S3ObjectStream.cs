using Amazon.S3;
using Amazon.S3.Model;
using ArtifactStore.Core.Blobs;

namespace ArtifactStore.S3;

/// <summary>
/// One object read through ranged GETs: sequential reads stream one response, and a seek drops it so
/// that the next read asks for the bytes from the new position. Seekable, as <c>BlobReader</c> needs to
/// verify a whole blob and then serve a range of it. Every response must carry the ETag the object
/// had when it was opened: bytes replaced in between fail the read instead of mixing two versions.
/// </summary>
internal sealed class S3ObjectStream : ReadOnlyStream
{
    private readonly IAmazonS3 _client;
    private readonly string _bucket;
    private readonly string _key;
    private readonly string _etag;
    private GetObjectResponse? _response;
    private Stream? _body;
    private long _position;

    /// <param name="client">The client to read with.</param>
    /// <param name="bucket">The bucket.</param>
    /// <param name="key">The object's key.</param>
    /// <param name="length">The object's whole length.</param>
    /// <param name="etag">The object's ETag when it was opened.</param>
    /// <param name="position">Where reading starts.</param>
    /// <param name="open">A response already open at <paramref name="position"/>, or null to open one at the first read.</param>
    public S3ObjectStream(IAmazonS3 client, string bucket, string key, long length, string etag, long position, GetObjectResponse? open)
    {
        _client = client;
        _bucket = bucket;
        _key = key;
        _etag = etag;
        Length = length;
        _position = position;
        _response = open;
        _body = open?.ResponseStream;
    }

    public override bool CanSeek => true;

    public override long Length { get; }

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(Span<byte> buffer) => ReadBlocking(buffer);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0 || _position >= Length)
        {
            return 0;
        }

        _body ??= await OpenAtAsync(_position, cancellationToken);
        int read;
        try
        {
            read = await _body.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw S3Failures.Unavailable($"reading {_key}", e);
        }

        _position += read;
        return read;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => Length + offset,
        };
        ArgumentOutOfRangeException.ThrowIfNegative(target);
        if (target != _position)
        {
            CloseResponse();
            _position = target;
        }

        return _position;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            CloseResponse();
        }

        base.Dispose(disposing);
    }

    private async Task<Stream> OpenAtAsync(long position, CancellationToken cancellationToken)
    {
        var request = new GetObjectRequest { BucketName = _bucket, Key = _key };
        if (position > 0)
        {
            request.ByteRange = new ByteRange($"bytes={position}-");
        }

        var response = await S3Failures.RunAsync<GetObjectResponse?>($"GET {_key}",
            async () => await _client.GetObjectAsync(request, cancellationToken), whenMissing: null, cancellationToken);
        if (response is null)
        {
            // Deleted since it was opened (the reaper took an unreferenced blob): not an outage of S3.
            throw new IOException($"the object {_key} was deleted while it was being read");
        }

        if (response.ETag != _etag)
        {
            response.Dispose();
            // Replaced (or deleted and written again) since it was opened: its bytes must not be mixed.
            throw new IOException($"the object {_key} changed while it was being read");
        }

        _response = response;
        return response.ResponseStream;
    }

    private void CloseResponse()
    {
        _body?.Dispose();
        _response?.Dispose();
        _body = null;
        _response = null;
    }
}
