namespace ArtifactStore.Server.Http;

/// <summary>
/// Endpoint metadata: answered in every state of the store and without a token (the health endpoints).
/// Everything else is closed by default: the readiness gate holds every endpoint without this marker,
/// and authentication treats an endpoint that declares no <see cref="RequiredRole"/> as needing
/// <c>reader</c>. Both look at the endpoint routing matched, never at the spelling of the path.
/// </summary>
public sealed record PublicEndpoint;
