using ArtifactStore.Core.Encoding;

namespace ArtifactStore.Core.Events;

/// <summary>An event to append. The store assigns its position, time and hash.</summary>
public sealed record NewEvent(string Stream, string Type, string Actor, CborMap Payload);
