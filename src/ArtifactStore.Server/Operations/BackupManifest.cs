using System.Text.Json;
using System.Text.Json.Serialization;
using ArtifactStore.Core.Roots;

namespace ArtifactStore.Server.Operations;

/// <summary>
/// <c>artifactstore-backup.json</c>, written last into a backup directory: its presence means the backup
/// is complete and was verified when it was made. It carries the source root's marker, which is kept
/// here rather than as <c>artifactstore-root.json</c> so that a backup directory is never mistaken for
/// a data root (serving it would change the backup).
/// </summary>
public sealed record BackupManifest
{
    public const string FileName = "artifactstore-backup.json";
    public const int CurrentFormat = 1;

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    [JsonPropertyName("format")]
    public required int Format { get; init; }

    [JsonPropertyName("created_at")]
    public required DateTimeOffset CreatedAt { get; init; }

    [JsonPropertyName("made_by")]
    public required string MadeBy { get; init; }

    [JsonPropertyName("source_root")]
    public required string SourceRoot { get; init; }

    [JsonPropertyName("marker")]
    public required RootMarker Marker { get; init; }

    /// <summary>The storage backend whose files the backup holds (absent in backups made before backends had names: embedded).</summary>
    [JsonPropertyName("backend")]
    public string Backend { get; init; } = Core.Configuration.StoreOptions.DefaultBackend;

    [JsonPropertyName("schema_version")]
    public required int SchemaVersion { get; init; }

    [JsonPropertyName("events")]
    public required long Events { get; init; }

    [JsonPropertyName("head_seq")]
    public required long HeadSeq { get; init; }

    [JsonPropertyName("blobs")]
    public required long Blobs { get; init; }

    [JsonPropertyName("blob_bytes")]
    public required long BlobBytes { get; init; }

    [JsonPropertyName("database_bytes")]
    public required long DatabaseBytes { get; init; }

    /// <summary>Unreferenced blobs GC reaped before the backup could copy them; their rows are marked deleting.</summary>
    [JsonPropertyName("unreferenced_not_copied")]
    public required IReadOnlyList<string> UnreferencedNotCopied { get; init; }

    public static BackupManifest? TryRead(string directory, out string? problem)
    {
        problem = null;
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            problem = $"{directory} is not a complete backup: it has no {FileName} (a backup writes it last, after verifying)";
            return null;
        }

        try
        {
            var manifest = JsonSerializer.Deserialize<BackupManifest>(File.ReadAllBytes(path), Options);
            if (manifest is null)
            {
                problem = $"{path} is empty";
            }

            return manifest;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            problem = $"{path} cannot be read: {e.Message}";
            return null;
        }
    }

    public void Write(string directory) =>
        DurableFile.WriteAtomically(Path.Combine(directory, FileName), JsonSerializer.SerializeToUtf8Bytes(this, Options));
}
