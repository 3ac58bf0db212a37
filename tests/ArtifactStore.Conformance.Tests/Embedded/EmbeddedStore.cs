using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Roots;
using ArtifactStore.FileSystem;
using ArtifactStore.Sqlite;

namespace ArtifactStore.Conformance.Tests.Embedded;

/// <summary>
/// The embedded backend opened on a data root, through the backend port as the server opens it: the
/// SQLite database and the filesystem blob store. The one place the tests open it (the SQLite tests
/// link this file too).
/// </summary>
internal sealed class EmbeddedStore : IAsyncDisposable
{
    private EmbeddedStore(DataRoot root, SqliteStoreDatabase database, FileSystemBlobStore blobs, IJobLogStore jobLogs)
    {
        Root = root;
        Database = database;
        Blobs = blobs;
        JobLogs = jobLogs;
    }

    public DataRoot Root { get; }

    public SqliteStoreDatabase Database { get; }

    public FileSystemBlobStore Blobs { get; }

    public IJobLogStore JobLogs { get; }

    /// <summary>Opens (or creates) the data root at <paramref name="directory"/> and initializes its database.</summary>
    public static async Task<EmbeddedStore> OpenAsync(string directory, TimeProvider time, string profile = ProfileName.Default)
    {
        var backend = new ArtifactStore.Embedded.EmbeddedBackend();
        var root = DataRoot.OpenOrCreate(directory, profile, "test", time, backend.Layout).Value;
        var parts = (await backend.OpenAsync(root, time, CancellationToken.None)).Value;
        return new EmbeddedStore(root, (SqliteStoreDatabase)parts.Database, (FileSystemBlobStore)parts.Blobs, parts.JobLogs);
    }

    /// <summary>Closes the database and releases the root's lock; the files stay.</summary>
    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        Root.Dispose();
    }
}
