using System.Diagnostics;
using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Events;
using ArtifactStore.Core.Idempotency;
using ArtifactStore.Core.Ids;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Server.Operations;

/// <summary>
/// <c>artifactstore copy-store</c>: copies one store into another, whatever their backends
/// (docs/recovery.md, "copy-store"). Only the ports are used, so embedded → scale-out, the reverse, and
/// embedded → embedded are one code path:
/// <list type="number">
/// <item>the target must be empty, or hold an earlier run's copy of this very source (its head event is
///   the source's event at that seq, hash for hash): then the copy resumes after it. Anything else is
///   refused (<see cref="OperationErrorCodes.TargetNotEmpty"/>);</item>
/// <item>the events up to the source's head as the copy starts are appended verbatim (seq, time, actor,
///   payload, hashes), each checked to continue the chain, and projected into the target's views by the
///   same Core rules as any write; a prefix of an append-only log is one consistent state, so a source
///   that is being served still gives a consistent copy;</item>
/// <item>completed idempotency records whose package or job the copy holds come along;</item>
/// <item>every blob the target's views have a row for is read from the source, staged in the target
///   (both digests computed) and compared with the row, put, and read back from the target and checked
///   against both digests again. A blob already in the target is checked the same way and kept;</item>
/// <item>the target's whole chain is verified and its head must be the source's.</item>
/// </list>
/// Every step can be repeated: a copy interrupted anywhere (kill -9) is finished by running it again.
/// </summary>
public static class StoreCopy
{
    private const int EventBatch = 500;
    private const int BlobPage = 500;
    private const int BlobProgressEvery = 100;

    public static async Task<Result<StoreCopySummary>> RunAsync(CopyEnd source, CopyEnd target, TimeProvider time, Action<string> progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var sourceHead = await source.Database.Views.GetHeadSeqAsync(cancellationToken);
        var start = await CheckTargetAsync(source, target, sourceHead, cancellationToken);
        if (!start.IsSuccess)
        {
            return start.Error;
        }

        var (targetHead, targetHash) = start.Value;
        if (targetHead > 0)
        {
            progress($"resuming: the target already holds events 1..{targetHead} of this source");
        }

        // 2. The events, verbatim, a batch per unit of work.
        var copied = await CopyEventsAsync(source.Database, target.Database, targetHead, targetHash, sourceHead, progress, cancellationToken);
        if (!copied.IsSuccess)
        {
            return copied.Error;
        }

        // 3. Completed idempotency records of what the copy holds.
        var records = await CopyIdempotencyAsync(source.Database, target.Database, time, cancellationToken);

        // 4. The blobs the copied views have rows for.
        var blobs = await CopyBlobsAsync(source.Blobs, target, progress, cancellationToken);
        if (!blobs.IsSuccess)
        {
            return blobs.Error;
        }

        // 5. The target's chain, whole, and its head.
        var chain = await EventChain.CheckAsync(ReadAllAsync(target.Database, 0, long.MaxValue, cancellationToken), cancellationToken);
        if (chain.Problem is not null || chain.HeadSeq != sourceHead)
        {
            return new StoreError(OperationErrorCodes.CopyFailed,
                $"the target's event log does not verify after the copy: {chain.Problem ?? $"its head is {chain.HeadSeq}, the source's {sourceHead}"}");
        }

        var headHash = sourceHead == 0 ? EventChain.Genesis : (await ReadOneAsync(target.Database, sourceHead, cancellationToken))!.Hash;
        return new StoreCopySummary(sourceHead, copied.Value, headHash, blobs.Value.Blobs, blobs.Value.Copied, blobs.Value.Bytes,
            blobs.Value.ReapedNotCopied, records, clock.Elapsed);
    }

    /// <summary>Step 1: where the copy starts (the target's head), or why the target is refused.</summary>
    private static async Task<Result<(long Seq, byte[] Hash)>> CheckTargetAsync(CopyEnd source, CopyEnd target, long sourceHead, CancellationToken cancellationToken)
    {
        var targetHead = await target.Database.Views.GetHeadSeqAsync(cancellationToken);
        if (targetHead == 0)
        {
            // Events are copied before blobs, so an interrupted copy never leaves blobs without events:
            // blobs there belong to something else (another store under the same bucket prefix, say).
            await foreach (var digest in target.Blobs.ListAsync(cancellationToken))
            {
                return new StoreError(OperationErrorCodes.TargetNotEmpty, $"the target {target.Description} holds no events but holds blobs ({digest}, …); copy-store writes only into an empty store");
            }

            return (0L, EventChain.Genesis);
        }

        var head = await ReadOneAsync(target.Database, targetHead, cancellationToken);
        var same = targetHead <= sourceHead ? await ReadOneAsync(source.Database, targetHead, cancellationToken) : null;
        if (head is null || same is null || !head.Hash.AsSpan().SequenceEqual(same.Hash))
        {
            return new StoreError(OperationErrorCodes.TargetNotEmpty,
                $"the target {target.Description} is not empty: it holds {targetHead} events that are not a copy of this source's (its event {targetHead} differs); copy-store writes only into an empty store, or finishes its own interrupted copy");
        }

        return (targetHead, head.Hash);
    }

    private static async Task<Result<long>> CopyEventsAsync(
        IStoreDatabase source, IStoreDatabase target, long afterSeq, byte[] afterHash, long upTo, Action<string> progress, CancellationToken cancellationToken)
    {
        var (seq, hash) = (afterSeq, afterHash);
        var copied = 0L;
        var batch = new List<EventRecord>(EventBatch);
        await foreach (var record in ReadAllAsync(source, afterSeq, upTo, cancellationToken))
        {
            // The source's chain is checked as it is read: a broken log is never copied as if it were sound.
            if (EventChain.ContinuationProblem(record, seq, hash) is { } problem)
            {
                return new StoreError(OperationErrorCodes.CopyFailed, $"the source's event log does not verify ({problem}); run 'artifactstore fsck' on it");
            }

            (seq, hash) = (record.Seq, record.Hash);
            batch.Add(record);
            if (batch.Count == EventBatch)
            {
                if (await AppendAsync(target, batch, cancellationToken) is { } failed)
                {
                    return failed;
                }

                copied += batch.Count;
                progress($"events: {seq} of {upTo}");
                batch.Clear();
            }
        }

        if (batch.Count > 0)
        {
            if (await AppendAsync(target, batch, cancellationToken) is { } failed)
            {
                return failed;
            }

            copied += batch.Count;
        }

        if (seq != upTo)
        {
            return new StoreError(OperationErrorCodes.CopyFailed, $"the source's event log ends at {seq}, not at its head {upTo}");
        }

        progress($"events: {upTo} in the target ({copied} copied now)");
        return copied;
    }

    /// <summary>One unit of work; null when it committed.</summary>
    private static async Task<StoreError?> AppendAsync(IStoreDatabase target, IReadOnlyList<EventRecord> batch, CancellationToken cancellationToken)
    {
        var events = batch.ToList();
        try
        {
            var written = await target.WriteAsync<bool>(async (writer, ct) =>
            {
                foreach (var record in events)
                {
                    await writer.AppendCopiedAsync(record, ct);
                }

                return true;
            }, cancellationToken);
            return written.IsSuccess ? null : new StoreError(OperationErrorCodes.CopyFailed, $"appending events {events[0].Seq}..{events[^1].Seq}: {written.Error.Message}");
        }
        catch (InvalidDataException e)
        {
            // Another writer appended to the target meanwhile (a server started on it): the copy stops there.
            return new StoreError(OperationErrorCodes.CopyFailed, $"the target's log changed during the copy: {e.Message}");
        }
    }

    /// <summary>
    /// Step 3. A completed record replays its package or job, so it comes along when the copy holds that
    /// resource and the record's window is still open; in-progress claims belong to a request of the
    /// source's process and never do. Rerunning writes the same rows again.
    /// </summary>
    private static async Task<int> CopyIdempotencyAsync(IStoreDatabase source, IStoreDatabase target, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var kept = new List<IdempotencyRecord>();
        foreach (var record in await source.Views.ListCompletedIdempotencyAsync(cancellationToken))
        {
            if (record.ExpiresAt > now && CanonicalId.TryParse(record.ResourceId, out var id) && await HoldsAsync(target, record.Operation, id, cancellationToken))
            {
                kept.Add(record);
            }
        }

        if (kept.Count > 0)
        {
            await target.WriteAsync<bool>(async (writer, ct) =>
            {
                foreach (var record in kept)
                {
                    await writer.PutIdempotencyAsync(record, ct);
                }

                return true;
            }, cancellationToken);
        }

        return kept.Count;
    }

    private static async Task<bool> HoldsAsync(IStoreDatabase target, string operation, Guid id, CancellationToken cancellationToken) => operation switch
    {
        PackageService.CreateOperation => await target.Views.GetPackageAsync(id, cancellationToken) is not null,
        JobService.SubmitOperation => await target.Views.GetJobAsync(id, cancellationToken) is not null,
        _ => false,
    };

    /// <summary>Step 4, a page of rows at a time.</summary>
    private static async Task<Result<BlobTally>> CopyBlobsAsync(IBlobStore source, CopyEnd target, Action<string> progress, CancellationToken cancellationToken)
    {
        var tally = new BlobTally();
        var lastReported = 0L;
        BlobDigest? after = null;
        while (true)
        {
            var rows = await target.Database.Views.ListBlobsAsync(after, BlobPage, cancellationToken);
            if (rows.Count == 0)
            {
                progress($"blobs: {tally.Blobs} in the target, {tally.Copied} copied now ({tally.Bytes} bytes), every one verified");
                return tally;
            }

            foreach (var row in rows)
            {
                if (tally.Blobs > 0 && tally.Blobs % BlobProgressEvery == 0 && tally.Blobs != lastReported)
                {
                    lastReported = tally.Blobs;
                    progress($"blobs: {tally.Blobs} so far ({tally.Bytes} bytes copied)");
                }

                var outcome = await CopyBlobAsync(source, target.Blobs, row, cancellationToken);
                if (outcome.Error is { } error)
                {
                    return error;
                }

                tally = outcome.Kind switch
                {
                    BlobOutcome.Copied => tally with { Blobs = tally.Blobs + 1, Copied = tally.Copied + 1, Bytes = tally.Bytes + row.Size },
                    BlobOutcome.AlreadyThere => tally with { Blobs = tally.Blobs + 1 },
                    _ => tally with { ReapedNotCopied = tally.ReapedNotCopied + 1 },
                };
            }

            after = rows[^1].Digest;
        }
    }

    private static async Task<(BlobOutcome Kind, StoreError? Error)> CopyBlobAsync(IBlobStore source, IBlobStore target, BlobRow row, CancellationToken cancellationToken)
    {
        // Already there (an earlier run put it): kept only if its bytes are the row's.
        var existing = await target.StatAsync(row.Digest, cancellationToken);
        if (existing is not null)
        {
            if (existing.Length == row.Size && await MatchesAsync(target, row, cancellationToken))
            {
                return (BlobOutcome.AlreadyThere, null);
            }

            await target.DeleteAsync(row.Digest, cancellationToken);
        }

        await using (var content = await source.OpenReadAsync(row.Digest, 0, cancellationToken))
        {
            if (content is null)
            {
                // A blob no live package references may have been reaped by GC (its row says condemned or
                // deleting); the target's GC treats its row the same way. A referenced one must be there.
                return row.State == BlobState.Live
                    ? (BlobOutcome.Missing, new StoreError(OperationErrorCodes.CopyFailed, $"blob {row.Digest} is referenced but missing from the source; run 'artifactstore fsck' on it"))
                    : (BlobOutcome.Missing, null);
            }

            var staged = await target.StageAsync(content.Stream, row.Size, cancellationToken);
            if (!staged.IsSuccess)
            {
                return (BlobOutcome.Missing, new StoreError(OperationErrorCodes.CopyFailed, $"blob {row.Digest}: {staged.Error.Message}"));
            }

            try
            {
                var blob = staged.Value;
                if (blob.Digest != row.Digest || blob.Blake3Hex != row.Blake3Hex || blob.Size != row.Size)
                {
                    return (BlobOutcome.Missing, new StoreError(OperationErrorCodes.CopyFailed,
                        $"blob {row.Digest} is corrupt in the source (its bytes hash to {blob.Digest}, BLAKE3 {blob.Blake3Hex}, {blob.Size} bytes); run 'artifactstore fsck' on it"));
                }

                await target.PutAsync(blob, cancellationToken);
            }
            finally
            {
                await target.DiscardAsync(staged.Value, cancellationToken);
            }
        }

        // Read back from the target: what it holds now is what the row says, by both digests.
        return await MatchesAsync(target, row, cancellationToken)
            ? (BlobOutcome.Copied, null)
            : (BlobOutcome.Missing, new StoreError(OperationErrorCodes.CopyFailed, $"blob {row.Digest} does not read back from the target as it was written"));
    }

    /// <summary>Whether the store's bytes at the row's address have the row's length, SHA-256 and BLAKE3.</summary>
    private static async Task<bool> MatchesAsync(IBlobStore store, BlobRow row, CancellationToken cancellationToken)
    {
        await using var content = await store.OpenReadAsync(row.Digest, 0, cancellationToken);
        if (content is null)
        {
            return false;
        }

        using var digester = new DualDigester();
        await digester.AppendAllAsync(content.Stream, cancellationToken);
        var (sha256, blake3) = digester.Finish();
        return digester.Length == row.Size && sha256 == row.Digest && blake3 == row.Blake3Hex;
    }

    private static async IAsyncEnumerable<EventRecord> ReadAllAsync(IStoreDatabase database, long afterSeq, long upTo,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = afterSeq;
        while (after < upTo)
        {
            var count = 0;
            await foreach (var record in database.ReadEventsAsync(after, EventBatch, cancellationToken))
            {
                if (record.Seq > upTo)
                {
                    yield break;
                }

                count++;
                after = record.Seq;
                yield return record;
            }

            if (count == 0)
            {
                yield break;
            }
        }
    }

    private static async Task<EventRecord?> ReadOneAsync(IStoreDatabase database, long seq, CancellationToken cancellationToken)
    {
        await foreach (var record in database.ReadEventsAsync(seq - 1, 1, cancellationToken))
        {
            return record.Seq == seq ? record : null;
        }

        return null;
    }

    private enum BlobOutcome
    {
        Copied,
        AlreadyThere,
        Missing,
    }

    private sealed record BlobTally(long Blobs = 0, long Copied = 0, long Bytes = 0, long ReapedNotCopied = 0);
}

/// <summary>One side of a copy: an opened store's database and blobs, and how to name it in messages.</summary>
public sealed record CopyEnd(IStoreDatabase Database, IBlobStore Blobs, string Description);

/// <summary>What a copy left in the target.</summary>
/// <param name="HeadSeq">The head of both logs.</param>
/// <param name="EventsCopied">Events appended by this run (fewer than <paramref name="HeadSeq"/> when it resumed).</param>
/// <param name="HeadHash">The hash of the head event, the same in both stores.</param>
/// <param name="Blobs">Blobs the target holds for its rows, each verified by both digests.</param>
/// <param name="BlobsCopied">Of those, copied by this run.</param>
/// <param name="BytesCopied">Their bytes.</param>
/// <param name="ReapedNotCopied">Rows of unreferenced blobs whose bytes GC had already removed from the source.</param>
/// <param name="IdempotencyRecords">Completed idempotency records carried over.</param>
/// <param name="Elapsed">How long the run took.</param>
public sealed record StoreCopySummary(
    long HeadSeq, long EventsCopied, byte[] HeadHash, long Blobs, long BlobsCopied, long BytesCopied, long ReapedNotCopied, int IdempotencyRecords, TimeSpan Elapsed);
