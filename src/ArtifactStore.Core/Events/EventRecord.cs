namespace ArtifactStore.Core.Events;

/// <summary>An event as stored: position, content and its link in the hash chain (docs/events.md).</summary>
/// <param name="Seq">Gapless position in the log, starting at 1.</param>
/// <param name="Stream">The stream it belongs to: <c>package:&lt;id&gt;</c>, <c>job:&lt;id&gt;</c> or <c>system</c>.</param>
/// <param name="Type">Versioned type, e.g. <c>v1.package.created</c>.</param>
/// <param name="OccurredAt">When it was recorded (millisecond precision, UTC).</param>
/// <param name="Actor">Who caused it: a token name, <c>anonymous</c> or <c>system</c>.</param>
/// <param name="Payload">Canonical CBOR.</param>
/// <param name="PrevHash">The previous event's hash; 32 zero bytes for the first event.</param>
/// <param name="Hash">SHA-256 over this event's content and <paramref name="PrevHash"/> (see <see cref="EventChain"/>).</param>
public sealed record EventRecord(
    long Seq,
    string Stream,
    string Type,
    DateTimeOffset OccurredAt,
    string Actor,
    byte[] Payload,
    byte[] PrevHash,
    byte[] Hash);
