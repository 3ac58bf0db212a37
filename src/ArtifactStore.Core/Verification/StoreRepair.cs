using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Gc;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Core.Verification;

/// <summary>
/// The repairs fsck may make (<c>fsck --repair</c>), each through the store's own protocols and never
/// touching data something references: rebuild the views from an intact log, remove unreferenced blobs
/// the way GC does, and put back corrupt or missing blobs from a verified copy elsewhere (a backup).
/// The caller holds the root: no server and no upload runs meanwhile.
/// </summary>
public sealed class StoreRepair(IStoreDatabase database, IBlobStore blobs, GarbageCollector collector)
{
    /// <summary>Drops the views and replays the log into them. Only for a log whose chain holds.</summary>
    public async Task<string> RebuildViewsAsync(CancellationToken cancellationToken)
    {
        await database.RebuildViewsAsync(cancellationToken);
        var head = await database.Views.GetHeadSeqAsync(cancellationToken);
        return $"rebuilt the views from {head} events";
    }

    /// <summary>Removes the unreferenced rows and bytes the report names (each re-checked first).</summary>
    public async Task<IReadOnlyList<string>> RemoveUnreferencedAsync(FsckReport report, string actor, CancellationToken cancellationToken)
    {
        var rows = report.Of(FsckFindingKind.UnreferencedRow).Select(f => f.Blob!.Value).ToList();
        var orphans = report.Of(FsckFindingKind.UnreferencedBytes).Select(f => f.Blob!.Value).ToList();
        if (rows.Count + orphans.Count == 0)
        {
            return [];
        }

        var reclaimed = await collector.ReclaimAsync(rows, orphans, actor, cancellationToken);
        if (!reclaimed.IsSuccess)
        {
            return [$"removed no unreferenced blob: {reclaimed.Error.Message}"];
        }

        var (reaped, removed) = reclaimed.Value;
        return reaped.Select(b => $"reaped unreferenced blob {b.Digest} ({b.Bytes} bytes freed)")
            .Concat(removed.Select(b => $"removed unreferenced bytes {b.Digest} ({b.Bytes} bytes freed)"))
            .ToList();
    }

    /// <summary>
    /// Removes the staged copies the report found left in staging past the grace period. The caller holds
    /// the root, so no upload is in flight that could own one.
    /// </summary>
    public async Task<IReadOnlyList<string>> RemoveStagingLeftoversAsync(FsckReport report, CancellationToken cancellationToken)
    {
        var removed = new List<string>();
        foreach (var finding in report.Of(FsckFindingKind.StagingLeftover))
        {
            await blobs.DiscardStagingAsync(finding.Staged!, cancellationToken);
            removed.Add($"removed {finding.Subject} ({finding.Staged!.Size} bytes), a staged copy left behind");
        }

        return removed;
    }

    /// <summary>
    /// Puts back each corrupt or missing blob the report names from <paramref name="source"/>, if that
    /// holds a copy whose SHA-256 and BLAKE3 both verify. Returns what was restored and what was not.
    /// </summary>
    public async Task<(IReadOnlyList<string> Restored, IReadOnlyList<FsckFinding> NotRestored)> RestoreBlobsAsync(
        FsckReport report, IBlobStore source, string sourceName, CancellationToken cancellationToken)
    {
        var restored = new List<string>();
        var missed = new List<FsckFinding>();
        foreach (var finding in report.Findings.Where(f => f.Kind is FsckFindingKind.CorruptBlob or FsckFindingKind.MissingBlob))
        {
            var digest = finding.Blob!.Value;
            var content = await source.OpenReadAsync(digest, 0, cancellationToken);
            if (content is null)
            {
                missed.Add(finding with { Message = $"{finding.Message}; {sourceName} has no copy of it either" });
                continue;
            }

            StagedBlob staged;
            await using (content)
            {
                var stagedResult = await blobs.StageAsync(content.Stream, long.MaxValue, cancellationToken);
                staged = stagedResult.Value;
            }

            var blake3 = (await database.Views.GetBlobAsync(digest, cancellationToken))?.Blake3Hex;
            if (staged.Digest != digest || (blake3 is not null && !string.Equals(staged.Blake3Hex, blake3, StringComparison.Ordinal)))
            {
                await blobs.DiscardAsync(staged, cancellationToken);
                missed.Add(finding with { Message = $"{finding.Message}; the copy in {sourceName} does not verify either" });
                continue;
            }

            // The damaged bytes go first, so that the put stores the verified copy (a put keeps what is
            // already at an address). Nobody reads meanwhile: the caller holds the root.
            await blobs.DeleteAsync(digest, cancellationToken);
            await blobs.PutAsync(staged, cancellationToken);
            await blobs.DiscardAsync(staged, cancellationToken);

            // A damaged copy kept inline in the database goes too, once the verified one is durable at its address.
            await database.WriteAsync<long?>(async (writer, ct) => await writer.DeleteInlineBlobAsync(digest, ct), cancellationToken);
            restored.Add($"restored blob {digest} from {sourceName} (both digests verified)");
        }

        return (restored, missed);
    }
}
