namespace ArtifactStore.Client;

/// <summary>One message of <c>/v1/events/stream</c>: <c>id</c> (the seq; null on control messages), <c>event</c> (the type) and <c>data</c> (JSON).</summary>
public sealed record ServerSentEvent(string? Id, string Event, string Data);
