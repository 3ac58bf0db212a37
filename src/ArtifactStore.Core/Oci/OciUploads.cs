using System.Collections.Concurrent;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;

namespace ArtifactStore.Core.Oci;

/// <summary>
/// Blob uploads of the OCI API in progress (docs/oci.md, "Pushing blobs"): a session per <c>POST
/// …/blobs/uploads/</c>, scoped to the caller that opened it, holding the content received so far in the blob
/// store's staging. The content arrives in one request (the <c>PATCH</c> that containers/image sends, or the
/// closing <c>PUT</c>); finishing checks the digest and puts the blob at its address.
/// </summary>
public sealed class OciUploads(IBlobStore blobs)
{
    private readonly ConcurrentDictionary<Guid, OciUpload> _sessions = new();

    public OciUpload Begin(string repository, string owner, TimeProvider time)
    {
        var upload = new OciUpload(Guid.CreateVersion7(time.GetUtcNow()), repository, owner);
        _sessions[upload.Id] = upload;
        return upload;
    }

    /// <summary>The session, or <c>BLOB_UPLOAD_UNKNOWN</c> (never opened, finished, abandoned, or another caller's).</summary>
    public Result<OciUpload> Find(Guid id, string repository, string owner) =>
        _sessions.TryGetValue(id, out var upload) && upload.Repository == repository && upload.Owner == owner
            ? upload
            : new StoreError(OciErrorCodes.BlobUploadUnknown, "there is no such upload in progress for this caller and repository");

    /// <summary>Receives the content of a session. A second chunk is refused with the offset reached (<c>416</c> by the caller).</summary>
    public async Task<Result<long>> AppendAsync(OciUpload upload, Stream content, long maxBytes, long? rangeStart, CancellationToken cancellationToken)
    {
        await upload.Gate.WaitAsync(cancellationToken);
        try
        {
            if (upload.Staged is not null || (rangeStart is { } start && start != 0))
            {
                return new StoreError(OciErrorCodes.BlobUploadInvalid,
                    $"this upload has {upload.Offset} bytes; chunks after the first are not accepted, send the blob in one PATCH or PUT",
                    new Dictionary<string, object?> { ["offset"] = upload.Offset });
            }

            var staged = await blobs.StageAsync(content, maxBytes, cancellationToken);
            if (!staged.IsSuccess)
            {
                return staged.Error;
            }

            upload.Staged = staged.Value;
            return upload.Offset;
        }
        finally
        {
            upload.Gate.Release();
        }
    }

    /// <summary>
    /// Finishes a session: the received content must have <paramref name="digest"/> (else <c>DIGEST_INVALID</c>, and
    /// the session keeps its content); then it is put at its address and the session ends.
    /// </summary>
    public async Task<Result<BlobDigest>> FinishAsync(OciUpload upload, BlobDigest digest, CancellationToken cancellationToken)
    {
        await upload.Gate.WaitAsync(cancellationToken);
        try
        {
            upload.Staged ??= (await blobs.StageAsync(Stream.Null, 0, cancellationToken)).Value;
            if (upload.Staged.Digest != digest)
            {
                return new StoreError(OciErrorCodes.DigestInvalid, $"the uploaded content has digest {upload.Staged.Digest}, not {digest}",
                    new Dictionary<string, object?> { ["digest"] = upload.Staged.Digest.ToString() });
            }

            await blobs.PutAsync(upload.Staged, cancellationToken);
            await blobs.DiscardAsync(upload.Staged, CancellationToken.None);
            upload.Staged = null;
            _sessions.TryRemove(upload.Id, out _);
            return digest;
        }
        finally
        {
            upload.Gate.Release();
        }
    }

    /// <summary>Abandons a session and drops what it received.</summary>
    public async Task CancelAsync(OciUpload upload)
    {
        _sessions.TryRemove(upload.Id, out _);
        await upload.Gate.WaitAsync(CancellationToken.None);
        try
        {
            if (upload.Staged is { } staged)
            {
                await blobs.DiscardAsync(staged, CancellationToken.None);
                upload.Staged = null;
            }
        }
        finally
        {
            upload.Gate.Release();
        }
    }
}

/// <summary>One OCI blob upload in progress.</summary>
public sealed class OciUpload(Guid id, string repository, string owner)
{
    public Guid Id { get; } = id;

    public string Repository { get; } = repository;

    public string Owner { get; } = owner;

    internal SemaphoreSlim Gate { get; } = new(1, 1);

    internal StagedBlob? Staged { get; set; }

    /// <summary>How many bytes the session has received.</summary>
    public long Offset => Staged?.Size ?? 0;
}
