using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Events;

namespace ArtifactStore.Core.Storage;

/// <summary>
/// A consistent, read-only view of a store's database at one moment, for fsck and backup. Every read
/// through one snapshot sees the same committed state, however long it stays open and whatever a
/// running server commits meanwhile (its inline blobs included, <see cref="IInlineBlobReader"/>). It never writes to the store. Implementations: SQLite.
/// </summary>
public interface IStoreSnapshot : IInlineBlobReader, IAsyncDisposable
{
    /// <summary>The schema version of the database the snapshot reads.</summary>
    int SchemaVersion { get; }

    /// <summary>Every event, in log order.</summary>
    IAsyncEnumerable<EventRecord> ReadEventsAsync(CancellationToken cancellationToken);

    /// <summary>Every blob row, in digest order.</summary>
    IAsyncEnumerable<BlobRow> ReadBlobRowsAsync(CancellationToken cancellationToken);

    /// <summary>Every blob a live package needs (its files and its manifest), by package.</summary>
    IAsyncEnumerable<BlobReference> ReadLiveReferencesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Replays the whole log into scratch views (the same projection live writes use) and compares them
    /// with the stored views, row by row. The blob state <c>deleting</c>, the one view state written
    /// without an event (the reaper's mark, docs/gc.md, reaper step 1), counts as equal to the <c>condemned</c> a replay gives.
    /// </summary>
    /// <param name="maxReported">How many differing rows to describe per table; the rest are only counted.</param>
    /// <param name="cancellationToken">Stops the replay.</param>
    Task<ViewComparison> CompareViewsWithReplayAsync(int maxReported, CancellationToken cancellationToken);
}
