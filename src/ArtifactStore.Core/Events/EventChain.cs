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
    /// Checks a run of events in order: gapless positions, each linked to its predecessor, each hash
    /// correct. Returns null when the chain holds, else a description of the first break.
    /// </summary>
    public static async Task<string?> VerifyAsync(IAsyncEnumerable<EventRecord> events, CancellationToken cancellationToken)
    {
        var expectedSeq = 1L;
        var prev = Genesis;
        await foreach (var record in events.WithCancellation(cancellationToken))
        {
            if (record.Seq != expectedSeq)
            {
                return $"event {expectedSeq} is missing (found {record.Seq} instead)";
            }

            if (!record.PrevHash.AsSpan().SequenceEqual(prev))
            {
                return $"event {record.Seq} does not link to event {record.Seq - 1}";
            }

            if (!IsIntact(record))
            {
                return $"event {record.Seq} has been altered: its hash does not match its content";
            }

            prev = record.Hash;
            expectedSeq++;
        }

        return null;
    }
}
