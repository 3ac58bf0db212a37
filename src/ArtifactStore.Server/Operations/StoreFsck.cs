using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Storage;
using ArtifactStore.Core.Verification;
using ArtifactStore.Server.Hosting;

namespace ArtifactStore.Server.Operations;

/// <summary>
/// <c>artifactstore fsck [--repair]</c> on a data root. The check only reads (a database snapshot and
/// the blob files), so it is safe while a server holds the root. Repair changes the store and needs
/// the root to itself: the caller passes a store it opened (and so locked).
/// </summary>
public static class StoreFsck
{
    /// <summary>Checks the store of the root at <paramref name="rootPath"/> (or of a backup, which holds the same files).</summary>
    public static async Task<Result<FsckReport>> CheckAsync(IStoreBackend backend, string rootPath, TimeSpan gracePeriod, TimeProvider time, CancellationToken cancellationToken)
    {
        var opened = await backend.OpenSnapshotAsync(rootPath, cancellationToken);
        if (!opened.IsSuccess)
        {
            return opened.Error;
        }

        await using var reader = opened.Value;
        return await CheckAsync(reader, gracePeriod, time, cancellationToken);
    }

    /// <summary>Checks the store a snapshot opened by its backend (<see cref="IStoreBackend.OpenSnapshotAsync"/>) reads.</summary>
    public static Task<FsckReport> CheckAsync(StoreSnapshotReader reader, TimeSpan gracePeriod, TimeProvider time, CancellationToken cancellationToken) =>
        new StoreChecker(reader.Blobs, time, gracePeriod).CheckAsync(reader.Snapshot, cancellationToken);

    /// <summary>Checks a store this process has open (its schema is current, so the check cannot be refused).</summary>
    private static async Task<FsckReport> CheckOpenedAsync(StoreRuntime store, CancellationToken cancellationToken) =>
        (await CheckAsync(store.Backend, store.Root.Path, store.Options.Gc.BlobGracePeriod, store.Time, cancellationToken)).Value;

    /// <summary>
    /// Checks, repairs what can be repaired without touching referenced data, and checks again:
    /// views are rebuilt only from a log whose chain holds; unreferenced blobs go through the GC
    /// protocol; staged copies left in <c>tmp/</c> past the grace period are removed; corrupt or missing blobs come back only from <paramref name="blobsFrom"/> (a backup or
    /// another root), and only as copies whose digests verify.
    /// </summary>
    public static async Task<RepairOutcome> RepairAsync(StoreRuntime store, string? blobsFrom, string actor, CancellationToken cancellationToken)
    {
        var repair = new StoreRepair(store.Database, store.Blobs, store.Collector);
        var before = await CheckOpenedAsync(store, cancellationToken);
        var actions = new List<string>();
        var current = before;

        var logIntact = !before.Of(FsckFindingKind.ChainBroken).Any() && !before.Of(FsckFindingKind.ReplayFailed).Any();
        if (before.Of(FsckFindingKind.ViewDiffers).Any() && logIntact)
        {
            actions.Add(await repair.RebuildViewsAsync(cancellationToken));
            current = await CheckOpenedAsync(store, cancellationToken);
        }

        actions.AddRange(await repair.RemoveUnreferencedAsync(current, actor, cancellationToken));
        actions.AddRange(await repair.RemoveStagingLeftoversAsync(current, cancellationToken));
        if (blobsFrom is not null && current.Findings.Any(f => f.Kind is FsckFindingKind.CorruptBlob or FsckFindingKind.MissingBlob))
        {
            var (source, snapshot) = await OpenBlobSourceAsync(store.Backend, blobsFrom, cancellationToken);
            await using (snapshot)
            {
                var (restored, _) = await repair.RestoreBlobsAsync(current, source, blobsFrom, cancellationToken);
                actions.AddRange(restored);
            }
        }

        var after = actions.Count == 0 ? current : await CheckOpenedAsync(store, cancellationToken);
        var cannot = after.Findings.Where(f => f.IsDamage).Select(f => $"{f.Message} — {Advice(f, blobsFrom)}").ToList();
        return new RepairOutcome(before, actions, after, cannot);
    }

    /// <summary>
    /// The blobs of the backup or root at <paramref name="path"/>: its blob files and, when it has a database, the blobs
    /// that database keeps inline (docs/upload.md, "Small blobs"), read through one snapshot that the caller disposes.
    /// A backup and a root have the embedded backend's layout whatever the repaired store's backend (a scale-out
    /// store is backed up with copy-store into an embedded root), so the embedded backend, found by name, reads them.
    /// A directory without a readable database gives its blob files alone.
    /// </summary>
    private static async Task<(IBlobStore Blobs, IAsyncDisposable? Snapshot)> OpenBlobSourceAsync(IStoreBackend backend, string path, CancellationToken cancellationToken)
    {
        var embedded = StoreBackends.Find(StoreOptions.DefaultBackend);
        if (embedded.CheckBackupFiles(path) is null && await embedded.OpenSnapshotAsync(path, cancellationToken) is { IsSuccess: true } opened)
        {
            return (opened.Value.Blobs, opened.Value);
        }

        return (backend.OpenBlobsForReading(path), null);
    }

    private static string Advice(FsckFinding finding, string? blobsFrom) => finding.Kind switch
    {
        FsckFindingKind.CorruptBlob or FsckFindingKind.MissingBlob when blobsFrom is null =>
            "recover it from a backup: 'artifactstore fsck --repair --blobs-from BACKUP_DIR'",
        FsckFindingKind.CorruptBlob or FsckFindingKind.MissingBlob =>
            $"{blobsFrom} has no good copy of it; try an older backup with --blobs-from",
        FsckFindingKind.ChainBroken or FsckFindingKind.ReplayFailed =>
            "the event log is the source of truth and is never rewritten; restore the root from a backup made before the damage ('artifactstore restore')",
        _ => "restore the root from a backup ('artifactstore restore')",
    };
}
