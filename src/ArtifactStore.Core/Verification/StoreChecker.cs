using System.Globalization;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Core.Verification;

/// <summary>
/// fsck (docs/recovery.md, "fsck"): checks a store through a read-only snapshot and the blob store, writing nothing.
/// <list type="number">
/// <item>the event log: every hash recomputed, every link and position checked; the first break is named;</item>
/// <item>the views: equal to a replay of the log, row by row;</item>
/// <item>the blobs: every blob a live package needs, or a row counts as referenced, is present and its
///   SHA-256, BLAKE3 and size match; bytes no row claims and rows nothing references are reported
///   as unreferenced by the rule GC itself uses (older than the grace period, or left <c>deleting</c>),
///   so that what fsck calls garbage is exactly what the next GC run removes;</item>
/// <item>staging: copies older than the grace period, which no upload in flight can own.</item>
/// </list>
/// It is safe against a running server: bytes written within the grace period without a row may belong
/// to an upload about to commit and are only counted.
/// </summary>
public sealed class StoreChecker(IBlobStore blobs, TimeProvider time, TimeSpan gracePeriod, int maxViewDifferencesPerTable = 20)
{
    public async Task<FsckReport> CheckAsync(IStoreSnapshot snapshot, CancellationToken cancellationToken)
    {
        var findings = new List<FsckFinding>();
        var notes = new List<string>();
        var cutoff = time.GetUtcNow() - gracePeriod;

        // 1. The event log.
        var chain = await EventChain.CheckAsync(snapshot.ReadEventsAsync(cancellationToken), cancellationToken);
        if (chain.Problem is not null)
        {
            findings.Add(new FsckFinding(FsckFindingKind.ChainBroken, $"event {chain.BrokenAt}",
                $"the event hash chain is broken from event {chain.BrokenAt} on: {chain.Problem}"));
        }

        // 2. The views.
        var comparison = await snapshot.CompareViewsWithReplayAsync(maxViewDifferencesPerTable, cancellationToken);
        if (comparison.NotCompared is { } why)
        {
            notes.Add($"views not compared: {why}");
        }

        if (comparison.ReplayFailure is { } failure)
        {
            findings.Add(new FsckFinding(FsckFindingKind.ReplayFailed, $"event {comparison.EventsReplayed + 1}", failure));
        }

        foreach (var difference in comparison.Differences)
        {
            findings.Add(new FsckFinding(FsckFindingKind.ViewDiffers, $"view {difference.Table} {difference.Key}", difference.Describe()));
        }

        if (comparison.DifferenceCount > comparison.Differences.Count)
        {
            findings.Add(new FsckFinding(FsckFindingKind.ViewDiffers, "views",
                $"{comparison.DifferenceCount - comparison.Differences.Count} more view rows differ from a replay of the log"));
        }

        // 3. The blobs.
        var rows = new Dictionary<BlobDigest, BlobRow>();
        await foreach (var row in snapshot.ReadBlobRowsAsync(cancellationToken))
        {
            rows[row.Digest] = row;
        }

        var references = new Dictionary<BlobDigest, List<BlobReference>>();
        long referenceCount = 0;
        await foreach (var reference in snapshot.ReadLiveReferencesAsync(cancellationToken))
        {
            referenceCount++;
            if (!references.TryGetValue(reference.Digest, out var list))
            {
                references[reference.Digest] = list = [];
            }

            list.Add(reference);
        }

        var present = new HashSet<BlobDigest>();
        await foreach (var digest in blobs.ListAsync(cancellationToken))
        {
            present.Add(digest);
        }

        var verified = 0L;
        var bytes = 0L;
        var young = 0;
        var condemnedInGrace = 0;
        foreach (var digest in rows.Keys.Concat(references.Keys).Concat(present).Distinct().OrderBy(d => d.Hex, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var row = rows.GetValueOrDefault(digest);
            var needs = references.GetValueOrDefault(digest) ?? [];
            var needed = needs.Count > 0 || row is { RefCount: > 0 };
            string? corruption = null;
            if (present.Contains(digest) && (row is not null || needed))
            {
                var outcome = await VerifyAsync(digest, row, needs, cancellationToken);
                if (outcome.Length is { } length)
                {
                    verified++;
                    bytes += length;
                    corruption = outcome.Problem;
                }
                else
                {
                    present.Remove(digest); // removed since it was listed
                }
            }

            if (needed)
            {
                var who = needs.Count > 0 ? $"; needed by {Describe(needs)}" : $"; its row counts {row!.RefCount} references";
                if (!present.Contains(digest))
                {
                    findings.Add(new FsckFinding(FsckFindingKind.MissingBlob, digest.ToString(), $"blob {digest} is missing: no bytes at its address{who}", digest));
                }
                else if (corruption is not null)
                {
                    findings.Add(new FsckFinding(FsckFindingKind.CorruptBlob, digest.ToString(), $"blob {digest} is corrupt: {corruption}{who}", digest));
                }
            }
            else if (row is not null)
            {
                var damaged = corruption is null ? string.Empty : $" (and its bytes are corrupt: {corruption})";
                if (row.State == BlobState.Deleting)
                {
                    findings.Add(new FsckFinding(FsckFindingKind.UnreferencedRow, digest.ToString(),
                        $"blob {digest} is unreferenced and was left being deleted{damaged}; the next gc finishes it", digest));
                }
                else if (row.CondemnedAt is { } condemnedAt && condemnedAt <= cutoff)
                {
                    findings.Add(new FsckFinding(FsckFindingKind.UnreferencedRow, digest.ToString(),
                        $"blob {digest} is unreferenced since {Time.Rfc3339.ToText(condemnedAt)}, longer than the grace period{damaged}; the next gc removes it", digest));
                }
                else if (corruption is not null)
                {
                    // An upload may resurrect a condemned blob within the grace period: corrupt bytes there are damage.
                    findings.Add(new FsckFinding(FsckFindingKind.CorruptBlob, digest.ToString(), $"blob {digest} is corrupt: {corruption}; no package needs it now", digest));
                }
                else
                {
                    condemnedInGrace++;
                }
            }
            else if (present.Contains(digest))
            {
                var stat = await blobs.StatAsync(digest, cancellationToken);
                if (stat is not null && stat.LastModified <= cutoff)
                {
                    findings.Add(new FsckFinding(FsckFindingKind.UnreferencedBytes, digest.ToString(),
                        $"blob {digest} has bytes ({stat.Length.ToString(CultureInfo.InvariantCulture)} bytes, written {Time.Rfc3339.ToText(Time.Rfc3339.Truncate(stat.LastModified))}) but no row: an upload that never committed left it; the next gc removes it", digest));
                }
                else if (stat is not null)
                {
                    young++;
                }
            }
        }

        if (young > 0)
        {
            notes.Add($"{young} blobs without a row were written within the grace period (uploads in flight, or leftovers GC removes once the grace period has passed)");
        }

        if (condemnedInGrace > 0)
        {
            notes.Add($"{condemnedInGrace} unreferenced blobs are within the grace period; GC reaps them after it");
        }

        // 4. Staging: every upload discards its staged copies when it ends, so an old one is a leftover.
        await foreach (var staged in blobs.ListStagingAsync(cancellationToken))
        {
            if (staged.LastModified <= cutoff)
            {
                findings.Add(new FsckFinding(FsckFindingKind.StagingLeftover, $"tmp/{staged.Name}",
                    $"tmp/{staged.Name} ({staged.Size.ToString(CultureInfo.InvariantCulture)} bytes, written {Time.Rfc3339.ToText(Time.Rfc3339.Truncate(staged.LastModified))}) is a staged copy no upload in flight can own; fsck --repair or the next start of the server removes it", Staged: staged));
            }
        }

        var ordered = findings.OrderBy(f => f.IsDamage ? 0 : 1).ThenBy(f => f.Kind).ToList();
        return new FsckReport(chain.Events, chain.HeadSeq, rows.Count, verified, bytes, referenceCount, ordered, notes);
    }

    /// <summary>Reads a blob once, computing both digests; returns its length (null if it vanished) and what is wrong, if anything.</summary>
    private async Task<(long? Length, string? Problem)> VerifyAsync(BlobDigest digest, BlobRow? row, List<BlobReference> needs, CancellationToken cancellationToken)
    {
        var content = await blobs.OpenReadAsync(digest, 0, cancellationToken);
        if (content is null)
        {
            return (null, null);
        }

        await using (content)
        {
            using var digester = new DualDigester();
            await digester.AppendAllAsync(content.Stream, cancellationToken);
            var (sha256, blake3) = digester.Finish();
            var length = digester.Length;
            var problems = new List<string>();
            if (sha256 != digest)
            {
                problems.Add($"its bytes hash to {sha256}");
            }

            if (row is not null && !string.Equals(blake3, row.Blake3Hex, StringComparison.Ordinal))
            {
                problems.Add($"their BLAKE3 is blake3:{blake3}, not the recorded blake3:{row.Blake3Hex}");
            }

            var expectedSize = row?.Size ?? needs.FirstOrDefault()?.Size;
            if (expectedSize is { } size && size != length)
            {
                problems.Add($"it is {length.ToString(CultureInfo.InvariantCulture)} bytes, {size.ToString(CultureInfo.InvariantCulture)} recorded");
            }

            return (length, problems.Count == 0 ? null : string.Join("; ", problems));
        }
    }

    private static string Describe(List<BlobReference> needs) =>
        needs.Count <= 3
            ? string.Join(", ", needs.Select(n => n.Describe()))
            : string.Join(", ", needs.Take(3).Select(n => n.Describe())) + $" and {(needs.Count - 3).ToString(CultureInfo.InvariantCulture)} more";
}
