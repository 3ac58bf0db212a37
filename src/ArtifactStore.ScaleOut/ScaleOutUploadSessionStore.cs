using System.Buffers;
using System.Runtime.CompilerServices;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Time;
using ArtifactStore.Core.Uploads;
using ArtifactStore.Postgres;
using ArtifactStore.S3;

namespace ArtifactStore.ScaleOut;

/// <summary>
/// Upload sessions on the scale-out backend (docs/upload.md, "Upload sessions on scale-out"): the session's
/// bytes are an S3 multipart upload at <c>&lt;prefix&gt;uploads/&lt;id&gt;</c>, its row in PostgreSQL says which
/// parts belong to it, holds the bytes after the last whole part (the tail, under one part, because S3 takes
/// parts of at least 5 MiB while clients send chunks of any size) and the running SHA-256 and BLAKE3 in a
/// form any replica can restore (<see cref="ResumableDigests"/>). A chunk is taken under the row's lock and
/// committed whole: its whole parts go to S3 first, then offset, tail, parts and digests change in one
/// transaction. A replica that dies part way commits nothing, and the client goes on from the offset before
/// the chunk, on any replica. Finishing checks the digest from the saved state without reading the upload
/// again, completes the multipart upload (the tail as its last part), and has the blob store copy the object
/// to the blob's key as it puts any blob.
/// </summary>
public sealed class ScaleOutUploadSessionStore(PostgresUploadSessionRows rows, S3BlobStore blobs) : IUploadSessionStore
{
    public async Task<UploadSession> CreateAsync(string owner, long maxBytes, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var session = new UploadSession(Guid.CreateVersion7(now), owner, 0, maxBytes, Rfc3339.Truncate(now), Rfc3339.Truncate(expiresAt));
        // The multipart upload starts with the session, so its id is in the row from the first moment: a chunk
        // that is rolled back can never lose the only record of an upload it started.
        var upload = await blobs.StartSessionAsync(session.Id, cancellationToken);
        await rows.InsertAsync(new UploadSessionRow(session, upload, [], new ResumableDigests().ExportState()), cancellationToken);
        return session;
    }

    public Task<UploadSession?> GetAsync(Guid id, CancellationToken cancellationToken) => rows.GetAsync(id, cancellationToken);

    public async Task<Result<UploadSession>> AppendAsync(Guid id, long offset, Stream chunk, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        await using var locked = await rows.LockAsync(id, cancellationToken);
        if (locked is null)
        {
            return NotFound(id);
        }

        var row = locked.Row;
        var session = row.Session;
        if (offset != session.Offset)
        {
            return new StoreError(UploadErrorCodes.OffsetMismatch,
                $"the chunk starts at byte {offset} but the session holds {session.Offset} bytes: send the chunk that starts at {session.Offset}",
                new Dictionary<string, object?> { ["offset"] = session.Offset });
        }

        if (Restore(row) is not { } digests)
        {
            return StateUnreadable(id);
        }

        var partSize = (int)blobs.PartSize;
        var buffer = ArrayPool<byte>.Shared.Rent(partSize);
        try
        {
            row.Tail.CopyTo(buffer, 0);
            var filled = row.Tail.Length;
            var total = session.Offset;
            var nextPart = locked.Parts.Count + 1;
            var added = new List<UploadPartRow>();
            int read;
            while ((read = await chunk.ReadAsync(buffer.AsMemory(filled, partSize - filled), cancellationToken)) > 0)
            {
                if (total + read > session.MaxBytes)
                {
                    // Nothing is committed: parts this chunk uploaded are not in the row, and are replaced or left out.
                    return new StoreError(ErrorCodes.PayloadTooLarge,
                        $"an upload session holds at most {session.MaxBytes} bytes (Uploads:MaxSessionBytes); the chunk was dropped, the session still holds {session.Offset}",
                        new Dictionary<string, object?> { ["offset"] = session.Offset });
                }

                digests.Append(buffer.AsSpan(filled, read));
                filled += read;
                total += read;
                if (filled == partSize)
                {
                    var etag = await blobs.UploadSessionPartAsync(id, row.S3UploadId, nextPart, buffer.AsMemory(0, partSize), cancellationToken);
                    added.Add(new UploadPartRow(nextPart++, etag, partSize));
                    filled = 0;
                }
            }

            session = session with { Offset = total, ExpiresAt = Rfc3339.Truncate(expiresAt) };
            await locked.SaveAsync(row with { Session = session, Tail = buffer.AsSpan(0, filled).ToArray(), DigestState = digests.ExportState() }, added, cancellationToken);
            return session;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async Task<Result<StagedBlob>> CompleteAsync(Guid id, BlobDigest expected, Func<StagedBlob, CancellationToken, Task> publish, CancellationToken cancellationToken)
    {
        await using var locked = await rows.LockAsync(id, cancellationToken);
        if (locked is null)
        {
            return NotFound(id);
        }

        var row = locked.Row;
        var size = row.Session.Offset;
        if (Restore(row) is not { } digests)
        {
            return StateUnreadable(id);
        }

        var (sha256, blake3) = digests.Current();
        if (sha256 != expected)
        {
            return new StoreError(UploadErrorCodes.DigestMismatch,
                $"the {size} bytes of this session have the digest {sha256}, not {expected}; the session is unchanged",
                new Dictionary<string, object?> { ["offset"] = size, ["digest"] = sha256.ToString() });
        }

        var staged = blobs.StagedSession(id, sha256, blake3, size);
        // A finish that was cut off after S3 completed the upload finds the object already there (or, when it had
        // got as far as removing it, the blob at its address), and goes on from there.
        if (await blobs.SessionObjectSizeAsync(id, cancellationToken) != size)
        {
            if (await blobs.StatAsync(sha256, cancellationToken) is { } stat && stat.Length == size)
            {
                // The blob is there already: the session's parts are not needed (gone already when S3 completed them).
                // It is published all the same, which finds it at its address and revives it if GC has condemned it
                // (docs/gc.md, "Uploads without a package"), before the parts go.
                await publish(staged, cancellationToken);
                await blobs.AbortSessionAsync(id, row.S3UploadId, cancellationToken);
                await locked.DeleteAsync(cancellationToken);
                return staged;
            }

            await LandAsync(locked, cancellationToken);
        }

        await publish(staged, cancellationToken);
        await blobs.DeleteSessionObjectAsync(id, cancellationToken);
        await locked.DeleteAsync(cancellationToken);
        return staged;
    }

    public async Task<long?> RemoveAsync(Guid id, DateTimeOffset? expiredBy, CancellationToken cancellationToken)
    {
        await using var locked = await rows.LockAsync(id, cancellationToken);
        if (locked is null || (expiredBy is { } now && locked.Row.Session.ExpiresAt > now))
        {
            return null;
        }

        await blobs.AbortSessionAsync(id, locked.Row.S3UploadId, cancellationToken);
        await blobs.DeleteSessionObjectAsync(id, cancellationToken);
        await locked.DeleteAsync(cancellationToken);
        return locked.Row.Session.Offset;
    }

    public async IAsyncEnumerable<UploadSession> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var (session, _) in rows.ListAsync(cancellationToken))
        {
            yield return session;
        }
    }

    /// <summary>
    /// Makes the session's bytes one object at its key: the multipart upload completed with the tail as its
    /// last part, or, for a session that never filled a part, the tail put as one object (and the empty
    /// multipart upload aborted).
    /// </summary>
    private async Task LandAsync(LockedUploadSession locked, CancellationToken cancellationToken)
    {
        var (id, upload, tail) = (locked.Row.Session.Id, locked.Row.S3UploadId, locked.Row.Tail);
        if (locked.Parts.Count == 0)
        {
            await blobs.PutSessionObjectAsync(id, tail, cancellationToken);
            await blobs.AbortSessionAsync(id, upload, cancellationToken);
            return;
        }

        var parts = locked.Parts.Select(p => (p.Number, p.ETag)).ToList();
        if (tail.Length > 0)
        {
            var last = locked.Parts.Count + 1;
            parts.Add((last, await blobs.UploadSessionPartAsync(id, upload, last, tail, cancellationToken)));
        }

        await blobs.CompleteSessionAsync(id, upload, parts, cancellationToken);
    }

    /// <summary>
    /// The row's digest state restored, or null when this build cannot read it (a version from a newer build, or
    /// damage): the session is then refused with a stable code rather than finished with a digest that might be wrong.
    /// </summary>
    private static ResumableDigests? Restore(UploadSessionRow row)
    {
        try
        {
            return ResumableDigests.Import(row.DigestState);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static StoreError StateUnreadable(Guid id) =>
        new(UploadErrorCodes.StateUnreadable,
            $"upload session {id} holds a digest state this server cannot read (saved by a newer version, or damaged); nothing was changed: start a new upload session");

    private static StoreError NotFound(Guid id) =>
        new(UploadErrorCodes.UploadNotFound, $"there is no upload session {id}");
}
