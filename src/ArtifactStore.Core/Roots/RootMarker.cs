using System.Text.Json;
using System.Text.Json.Serialization;

namespace ArtifactStore.Core.Roots;

/// <summary>
/// The content of <c>artifactstore-root.json</c>. Its presence is what makes a directory a data
/// root; it binds the root to one profile and records the layout version the data is in.
/// </summary>
public sealed record RootMarker
{
    public const string FileName = "artifactstore-root.json";

    [JsonPropertyName("store_id")]
    public required string StoreId { get; init; }

    [JsonPropertyName("profile")]
    public required string Profile { get; init; }

    [JsonPropertyName("layout_version")]
    public required int LayoutVersion { get; init; }

    [JsonPropertyName("created_at")]
    public required DateTimeOffset CreatedAt { get; init; }

    [JsonPropertyName("last_opened_by")]
    public string? LastOpenedBy { get; init; }

    [JsonPropertyName("last_opened_at")]
    public DateTimeOffset? LastOpenedAt { get; init; }

    /// <summary>Set on a root made by <c>artifactstore restore</c>: where its data came from.</summary>
    [JsonPropertyName("restored_from")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RestoredFrom? RestoredFrom { get; init; }

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public static RootMarker? TryRead(string path, out string? problem)
    {
        problem = null;
        try
        {
            var marker = JsonSerializer.Deserialize<RootMarker>(File.ReadAllBytes(path), Options);
            if (marker is null || string.IsNullOrEmpty(marker.StoreId) || string.IsNullOrEmpty(marker.Profile))
            {
                problem = "the marker is missing store_id or profile";
                return null;
            }

            return marker;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            problem = e.Message;
            return null;
        }
    }

    /// <summary>Writes the marker atomically: temp file, fsync, rename, directory fsync.</summary>
    public void WriteAtomically(string rootDirectory)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(this, Options);
        DurableFile.WriteAtomically(Path.Combine(rootDirectory, FileName), bytes);
    }
}
