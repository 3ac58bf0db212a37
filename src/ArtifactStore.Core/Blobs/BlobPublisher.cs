using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Core.Blobs;

/// <summary>
/// Step 3 of the GC protocol (docs/gc.md), seen from an upload. The blobs are put at their addresses
/// before the unit of work, concurrently with other writers, so no bytes are copied while the write
/// lock is held. Inside the unit of work that will reference them, each blob is checked once more:
/// a row in state <c>deleting</c> may lose its bytes at any moment, and bytes without a row may have
/// been removed as an orphan since the put, so the whole write (put and unit of work) is retried; a
/// <c>live</c> or <c>condemned</c> row cannot lose its bytes while this unit of work holds the write
/// lock, and the events appended afterwards make it <c>live</c> (resurrection).
/// </summary>
public static class BlobPublisher
{
    /// <summary>Internal code: the write must be retried after a short wait.</summary>
    public const string RetryCode = "blob_being_deleted";

    /// <summary>
    /// Inside a unit of work: null when every blob may be referenced by it, or the retry error when
    /// one of them is being reaped or has lost its bytes since it was put. A blob staged inline is written
    /// here, in this unit, unless the store already holds it (a row, or bytes at its address): its bytes
    /// then commit with the events that reference them, under the batch's one fsync.
    /// </summary>
    public static async Task<StoreError?> CheckAllAsync(IStoreWriter writer, IBlobStore blobs, IEnumerable<StagedBlob> staged, CancellationToken cancellationToken)
    {
        foreach (var blob in staged.DistinctBy(s => s.Digest))
        {
            var row = await writer.GetBlobAsync(blob.Digest, cancellationToken);
            if (row is { State: BlobState.Deleting })
            {
                return new StoreError(RetryCode, $"blob {blob.Digest} is being deleted by the reaper");
            }

            if (row is not null)
            {
                continue; // live or condemned: its bytes stay while this unit holds the writer
            }

            if (blob.InlineBytes is not null)
            {
                // Inline bytes are written here unless a file or object already holds the blob. Whether the
                // database already holds them is the writer's question, asked inside this unit's transaction
                // (the put keeps bytes already stored): a unit of the reaper committed in the same group commit
                // just before this one may have removed them, which a read outside the transaction still sees.
                if (await blobs.OutsideTheDatabase.StatAsync(blob.Digest, cancellationToken) is null)
                {
                    await writer.PutInlineBlobAsync(blob, cancellationToken);
                }

                continue;
            }

            // Without a row the bytes are an orphan to the collector, which may have removed them (in a
            // unit of work of its own, so never between this check and the commit).
            var present = await blobs.StatAsync(blob.Digest, cancellationToken) is not null;

            if (!present)
            {
                return new StoreError(RetryCode, $"blob {blob.Digest} was removed as unreferenced after it was put");
            }
        }

        return null;
    }

    /// <summary>
    /// Puts <paramref name="staged"/> at their addresses (outside the write lock) and then runs a unit
    /// of work that references them, repeating both while a blob is being reaped.
    /// </summary>
    public static Task<Result<T>> WriteWithRetryAsync<T>(
        IStoreDatabase database,
        IBlobStore blobs,
        IReadOnlyCollection<StagedBlob> staged,
        Func<IStoreWriter, CancellationToken, Task<Result<T>>> work,
        ProtocolHooks? hooks,
        CancellationToken cancellationToken) =>
        PutAndRetryAsync(blobs, staged, (_, ct) => database.WriteAsync(work, ct), hooks, cancellationToken);

    /// <summary>
    /// Puts a blob that no package references yet (a finished upload session) at its address, so that it is there
    /// for the package that will name it (docs/gc.md, "Uploads without a package"). Bytes this put wrote with no row,
    /// or bytes with a <c>live</c> row, need nothing more. A <c>condemned</c> row may be reaped at any moment once its
    /// grace period has run, so a unit of work appends <c>v1.blob.revived</c>, which starts the grace period again:
    /// the reaper re-reads the row in a unit of its own before it marks it, and leaves it. Bytes that were already at
    /// the address with no row (an orphan, maybe older than the grace period) are refreshed
    /// (<see cref="IBlobStore.RefreshAsync"/>: their modification time becomes now) and then checked in a unit of
    /// work: the orphan sweep re-reads that time in a unit of its own before it deletes, so it either removed them
    /// before that unit (which then finds them gone) or leaves them. A <c>deleting</c> row, or bytes gone since the
    /// put, make the put and the check run again once the collector is done. When this returns, the blob is durable
    /// at its address and the collector leaves it at least a grace period.
    /// </summary>
    public static async Task PublishUnreferencedAsync(IStoreDatabase database, IBlobStore blobs, StagedBlob staged, string actor, ProtocolHooks? hooks, CancellationToken cancellationToken)
    {
        var published = await PutAndRetryAsync<bool>(blobs, [staged], async (alreadyStored, ct) =>
        {
            // Most uploads meet no row or a live one: read outside the writer, and take it only for a condemned row or
            // for bytes that were already there without a row.
            var row = await database.Views.GetBlobAsync(staged.Digest, ct);
            return row switch
            {
                { State: BlobState.Live } => true,
                null when !alreadyStored.Contains(staged.Digest) => await blobs.StatAsync(staged.Digest, ct) is not null
                    ? true
                    : new StoreError(RetryCode, $"blob {staged.Digest} was removed after it was put"),
                null => await RefreshOrphanAsync(database, blobs, staged, actor, hooks, ct),
                _ => await database.WriteAsync<bool>((writer, wct) => ReviveAsync(writer, blobs, staged, actor, wct), ct),
            };
        }, hooks, cancellationToken);
        if (!published.IsSuccess)
        {
            throw new InvalidOperationException($"publishing blob {staged.Digest} failed: {published.Error.Message}");
        }
    }

    /// <summary>
    /// Bytes a finished upload found at their address with no row: they keep the time they were first written, which
    /// may be older than the grace period, so the orphan sweep could remove them right after the upload. Their time
    /// becomes now, and then a unit of work checks them (<see cref="ReviveAsync"/>): bytes the sweep removed before
    /// that unit are put again; bytes it had not removed by then it leaves, since it re-reads their time in a unit of
    /// its own (docs/gc.md, "Uploads without a package").
    /// </summary>
    private static async Task<Result<bool>> RefreshOrphanAsync(IStoreDatabase database, IBlobStore blobs, StagedBlob staged, string actor, ProtocolHooks? hooks, CancellationToken cancellationToken)
    {
        if (!await blobs.RefreshAsync(staged.Digest, cancellationToken))
        {
            return new StoreError(RetryCode, $"blob {staged.Digest} was removed as unreferenced after it was put");
        }

        await ProtocolHooks.ReachAsync(hooks, ProtocolHooks.UploadRefreshed, staged.Digest);
        return await database.WriteAsync<bool>((writer, wct) => ReviveAsync(writer, blobs, staged, actor, wct), cancellationToken);
    }

    /// <summary>The unit of work of <see cref="PublishUnreferencedAsync"/>: checks the row once more and revives it if it is still condemned.</summary>
    private static async Task<Result<bool>> ReviveAsync(IStoreWriter writer, IBlobStore blobs, StagedBlob staged, string actor, CancellationToken cancellationToken)
    {
        if (await CheckAllAsync(writer, blobs, [staged], cancellationToken) is { } retry)
        {
            return retry;
        }

        if (await writer.GetBlobAsync(staged.Digest, cancellationToken) is { State: BlobState.Condemned })
        {
            await writer.AppendAsync(new NewEvent(EventTypes.SystemStream, EventTypes.BlobRevived, actor, new BlobRevived(staged.Digest).ToCbor()), cancellationToken);
        }

        return true;
    }

    /// <summary>
    /// Puts the blobs not kept inline, then runs <paramref name="afterPut"/> with the digests whose bytes the put found
    /// already at their address; while it answers <see cref="RetryCode"/>, waits a little (20 ms, doubling, at most
    /// 1 s) and does both again.
    /// </summary>
    private static async Task<Result<T>> PutAndRetryAsync<T>(
        IBlobStore blobs,
        IReadOnlyCollection<StagedBlob> staged,
        Func<IReadOnlySet<BlobDigest>, CancellationToken, Task<Result<T>>> afterPut,
        ProtocolHooks? hooks,
        CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(20);
        var distinct = staged.DistinctBy(s => s.Digest).ToList();
        var alreadyStored = new HashSet<BlobDigest>();
        while (true)
        {
            alreadyStored.Clear();
            foreach (var blob in distinct.Where(b => b.InlineBytes is null))
            {
                // Durable at its address from here on; the unit of work below makes it referenced. Inline
                // blobs are written by that unit of work itself (CheckAllAsync).
                if (await blobs.PutAsync(blob, cancellationToken) == BlobPutOutcome.AlreadyExists)
                {
                    alreadyStored.Add(blob.Digest);
                }
            }

            // Between the put and the unit of work the bytes have no row: the orphan sweep may take them.
            await ProtocolHooks.ReachAsync(hooks, ProtocolHooks.UploadPut);
            var result = await afterPut(alreadyStored, cancellationToken);
            if (result.IsSuccess || result.Error.Code != RetryCode)
            {
                return result;
            }

            await Task.Delay(delay, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 1000));
        }
    }
}
