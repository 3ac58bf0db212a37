using ArtifactStore.Core.Security;

namespace ArtifactStore.Server.Http;

/// <summary>Endpoint metadata: the least role a token needs to call the endpoint.</summary>
public sealed record RequiredRole(Role Role);
