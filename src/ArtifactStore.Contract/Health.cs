using System.Text.Json.Serialization;

namespace ArtifactStore.Contract;

/// <summary><c>GET /health/live</c>.</summary>
public sealed record LivenessDocument(string Status);

/// <summary>
/// <c>GET /health/ready</c>. Every caller gets the status, the time of the check and each check as
/// <c>ok</c> or <c>failing</c>; a caller that may see details (loopback or a token) gets each check's
/// problem instead, the remedies of the failing ones, each check's detail, the store's identity and the
/// build. What a caller may not see is left out, not sent as null.
/// </summary>
public sealed record ReadinessDocument(string Status, string CheckedAt, Dictionary<string, string> Checks)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Profile { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? StoreId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Version { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Revision { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, string?>? Remedies { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, string?>? Details { get; init; }
}

/// <summary>
/// A problem answer (RFC 9457) with the API's stable <see cref="Code"/> (docs/api.md, "Errors"). Some codes
/// add members of their own (a tombstone, the failing checks); they are kept in <see cref="Extensions"/>.
/// </summary>
public sealed record ProblemDocument(string? Type, string? Title, int? Status, string? Detail, string? Code, string? Instance, string? RequestId)
{
    [JsonExtensionData]
    public Dictionary<string, System.Text.Json.JsonElement>? Extensions { get; init; }
}
