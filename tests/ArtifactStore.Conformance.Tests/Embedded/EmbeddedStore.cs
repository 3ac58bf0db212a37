using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Roots;
using ArtifactStore.Sqlite;

namespace ArtifactStore.Conformance.Tests.Embedded;

/// <summary>
/// The embedded backend opened on a data root: the SQLite database and the filesystem blob store. The
/// one place the tests construct it (the SQLite tests link this file too).
/// </summary>
internal sealed class EmbeddedStore : IAsyncDisposable
{
    private EmbeddedStore(DataRoot root, SqliteStoreDatabase database, FileSystemBlobStore blobs)
    {
        Root = root;
        Database = database;
        Blobs = blobs;
    }

    public DataRoot Root { get; }

    public SqliteStoreDatabase Database { get; }

    public FileSystemBlobStore Blobs { get; }

    /// <summary>Opens (or creates) the data root at <paramref name="directory"/> and initializes its database.</summary>
    public static async Task<EmbeddedStore> OpenAsync(string directory, TimeProvider time, string profile = ProfileName.Default)
    {
        var root = DataRoot.OpenOrCreate(directory, profile, "test", time).Value;
        var database = new SqliteStoreDatabase(root.DatabaseDirectory, time);
        await database.InitializeAsync(CancellationToken.None);
        var blobs = new FileSystemBlobStore(root.BlobDirectory, root.TempDirectory);
        return new EmbeddedStore(root, database, blobs);
    }

    /// <summary>Closes the database and releases the root's lock; the files stay.</summary>
    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        Root.Dispose();
    }
}
