using System.Security.Cryptography;
using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Time;

namespace ArtifactStore.Core.Events;

/// <summary>
/// The hash chain of the event log. An event's hash is SHA-256 of the canonical CBOR array
/// <c>[seq, stream, type, occurred_at, actor, payload, prev_hash]</c>, so changing, removing or
/// reordering any event breaks every hash after it.
/// </summary>
public static class EventChain
{
    public const int HashLength = 32;

    public static byte[] Genesis => new byte[HashLength];

    public static byte[] ComputeHash(long seq, string stream, string type, DateTimeOffset occurredAt, string actor, byte[] payload, byte[] prevHash)
    {
        var content = new CborArray(
        [
            seq,
            stream,
            type,
            Rfc3339.ToText(occurredAt),
            actor,
            payload,
            prevHash,
        ]);
        return SHA256.HashData(Cbor.Encode(content));
    }

    public static bool IsIntact(EventRecord record) =>
        ComputeHash(record.Seq, record.Stream, record.Type, record.OccurredAt, record.Actor, record.Payload, record.PrevHash)
            .AsSpan().SequenceEqual(record.Hash);

    /// <summary>
    /// Why <paramref name="record"/> cannot follow a log whose head is (<paramref name="headSeq"/>,
    /// <paramref name="headHash"/>): not the next seq, not linked to the head, or its hash does not match
    /// its content. Null when it can.
    /// </summary>
    public static string? ContinuationProblem(EventRecord record, long headSeq, byte[] headHash) =>
        record.Seq != headSeq + 1 ? $"event {record.Seq} does not follow the head {headSeq}"
        : !record.PrevHash.AsSpan().SequenceEqual(headHash) ? $"event {record.Seq} does not link to event {headSeq}"
        : !IsIntact(record) ? $"event {record.Seq} has been altered: its hash does not match its content"
        : null;

    /// <summary>
    /// Checks a run of events in order: gapless positions, each linked to its predecessor, each hash
    /// correct. Returns null when the chain holds, else a description of the first break.
    /// </summary>
    public static async Task<string?> VerifyAsync(IAsyncEnumerable<EventRecord> events, CancellationToken cancellationToken) =>
        (await CheckAsync(events, cancellationToken)).Problem;

    /// <summary>
    /// Like <see cref="VerifyAsync"/>, and reads on to the end so that the count and head cover the whole
    /// log; <see cref="ChainCheck.BrokenAt"/> is the seq of the first event that does not verify.
    /// </summary>
    public static async Task<ChainCheck> CheckAsync(IAsyncEnumerable<EventRecord> events, CancellationToken cancellationToken)
    {
        var expectedSeq = 1L;
        var prev = Genesis;
        var count = 0L;
        var head = 0L;
        long? brokenAt = null;
        string? problem = null;
        await foreach (var record in events.WithCancellation(cancellationToken))
        {
            count++;
            head = record.Seq;
            if (problem is null)
            {
                problem = record.Seq != expectedSeq ? $"event {expectedSeq} is missing (found {record.Seq} instead)"
                    : !record.PrevHash.AsSpan().SequenceEqual(prev) ? $"event {record.Seq} does not link to event {record.Seq - 1}"
                    : !IsIntact(record) ? $"event {record.Seq} has been altered: its hash does not match its content"
                    : null;
                if (problem is not null)
                {
                    brokenAt = Math.Min(record.Seq, expectedSeq);
                }
            }

            prev = record.Hash;
            expectedSeq = record.Seq + 1;
        }

        return new ChainCheck(count, head, brokenAt, problem);
    }
}
