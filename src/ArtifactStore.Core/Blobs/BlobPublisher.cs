using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Core.Blobs;

/// <summary>
/// Step 3 of the GC protocol (docs/gc.md), seen from an upload: inside the unit of work that will
/// reference them, make sure each blob's bytes are at their address. A row in state <c>deleting</c>
/// may lose its bytes at any moment, so the whole unit of work is retried once the reaper is done;
/// a <c>live</c> or <c>condemned</c> row cannot lose its bytes while this unit of work holds the
/// write lock, and the events appended afterwards make it <c>live</c> (resurrection).
/// </summary>
public static class BlobPublisher
{
    /// <summary>Internal code: the unit of work must be retried after a short wait.</summary>
    public const string RetryCode = "blob_being_deleted";

    public static async Task<StoreError?> PublishAllAsync(IStoreWriter writer, IBlobStore blobs, IEnumerable<StagedBlob> staged, CancellationToken cancellationToken)
    {
        var distinct = staged.DistinctBy(s => s.Digest).ToList();
        foreach (var blob in distinct)
        {
            var row = await writer.GetBlobAsync(blob.Digest, cancellationToken);
            if (row is { State: BlobState.Deleting })
            {
                return new StoreError(RetryCode, $"blob {blob.Digest} is being deleted by the reaper");
            }
        }

        foreach (var blob in distinct)
        {
            await blobs.PublishWithoutFlushAsync(blob, cancellationToken);
        }

        // The blobs are durable at their addresses once this flush has run, which is before the commit
        // that references them; units committed together share one flush.
        writer.BeforeCommit(blobs.FlushPublishedAsync);
        return null;
    }

    /// <summary>Runs a unit of work that publishes blobs, waiting out blobs that the reaper is deleting.</summary>
    public static async Task<Result<T>> WriteWithRetryAsync<T>(
        IStoreDatabase database,
        Func<IStoreWriter, CancellationToken, Task<Result<T>>> work,
        CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            var result = await database.WriteAsync(work, cancellationToken);
            if (result.IsSuccess || result.Error.Code != RetryCode)
            {
                return result;
            }

            await Task.Delay(delay, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 1000));
        }
    }
}
