using System.Text.Json.Serialization;

namespace ArtifactStore.Core.Roots;

/// <summary>
/// Recorded in the marker of a root made by <c>artifactstore restore</c>: which store and backup it came
/// from. When the restore re-bound the root to another profile, <see cref="StoreId"/> and
/// <see cref="Profile"/> name the original, and the root has a store id of its own.
/// </summary>
public sealed record RestoredFrom
{
    [JsonPropertyName("store_id")]
    public required string StoreId { get; init; }

    [JsonPropertyName("profile")]
    public required string Profile { get; init; }

    [JsonPropertyName("backup_created_at")]
    public required DateTimeOffset BackupCreatedAt { get; init; }

    [JsonPropertyName("head_seq")]
    public required long HeadSeq { get; init; }

    [JsonPropertyName("restored_at")]
    public required DateTimeOffset RestoredAt { get; init; }

    [JsonPropertyName("rebound")]
    public bool Rebound { get; init; }
}
