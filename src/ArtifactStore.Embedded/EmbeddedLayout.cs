using ArtifactStore.Core.Roots;
using ArtifactStore.Sqlite;

namespace ArtifactStore.Embedded;

/// <summary>Where the embedded backend keeps its files inside a data root or a backup (docs/data-layout.md).</summary>
internal static class EmbeddedLayout
{
    public const string Database = "db";
    public const string Blobs = "blobs";

    /// <summary>Resumable upload sessions: on the same filesystem as <see cref="Blobs"/>, and not emptied at start like <c>tmp/</c>.</summary>
    public const string Uploads = "uploads";

    /// <summary>The root entries the safety checks know as this backend's: the database file and the blob tree.</summary>
    public static StoreLayout InRoot { get; } = new(
        [Database, Blobs, Uploads],
        [.. new[] { "", "-wal", "-shm" }.Select(suffix => $"{Database}/{SqliteStoreDatabase.FileName}{suffix}")]);

    public static string DatabaseDirectory(string root) => Path.Combine(root, Database);

    public static string DatabaseFile(string root) => Path.Combine(root, Database, SqliteStoreDatabase.FileName);

    public static string BlobDirectory(string root) => Path.Combine(root, Blobs);

    public static string UploadDirectory(string root) => Path.Combine(root, Uploads);
}
