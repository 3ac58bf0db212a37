namespace ArtifactStore.Core.Health;

/// <summary>
/// The outcome of one named check of whether a store can do its work: ok (with what was seen), or
/// a problem in a sentence together with what the operator can do about it. The same checks feed
/// the server's readiness (<c>/health/ready</c>) and <c>artifactstore doctor</c>.
/// </summary>
public sealed record HealthCheck(string Name, string? Problem, string? Remedy, string? Detail = null)
{
    public bool IsOk => Problem is null;

    public static HealthCheck Ok(string name, string? detail = null) => new(name, null, null, detail);

    public static HealthCheck Failed(string name, string problem, string remedy) => new(name, problem, remedy);
}
