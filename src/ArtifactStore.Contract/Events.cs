using System.Text.Json.Nodes;

namespace ArtifactStore.Contract;

/// <summary>One event of the log (<c>GET /v1/events</c>): the payload as JSON and as base64 canonical CBOR.</summary>
public sealed record EventDocument(
    long Seq,
    string Stream,
    string Type,
    string OccurredAt,
    string Actor,
    JsonNode? Payload,
    string PayloadCbor,
    string PrevHash,
    string Hash);

public sealed record EventListDocument(List<EventDocument> Events);
