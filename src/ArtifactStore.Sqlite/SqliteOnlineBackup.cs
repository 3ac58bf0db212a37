using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Roots;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite;

/// <summary>
/// Copies a live store database with SQLite's online backup API: the copy is one committed state of
/// the source (the backup holds a read transaction for the whole copy, which in WAL mode never blocks
/// the server's writer). The copy is made self-contained (rollback journal, no <c>-wal</c> file) and
/// fsynced.
/// </summary>
public static class SqliteOnlineBackup
{
    /// <summary>Copies <paramref name="sourcePath"/> to <paramref name="destinationPath"/>, which must not exist.</summary>
    public static void Copy(string sourcePath, string destinationPath)
    {
        if (File.Exists(destinationPath))
        {
            throw new IOException($"{destinationPath} already exists");
        }

        using (var source = Open(sourcePath, SqliteOpenMode.ReadOnly))
        using (var destination = Open(destinationPath, SqliteOpenMode.ReadWriteCreate))
        {
            source.BackupDatabase(destination);
            Execute(destination, "PRAGMA journal_mode=DELETE");
        }

        Fsync(destinationPath);
    }

    /// <summary>
    /// Marks unreferenced blob rows of a backup copy <c>deleting</c>: their bytes were reaped by GC before
    /// the backup could copy them, which is the state the reaper leaves after deleting bytes and before
    /// dropping the row; the restored store's next GC finishes it.
    /// </summary>
    public static void MarkBeingDeleted(string databasePath, IReadOnlyCollection<BlobDigest> digests)
    {
        if (digests.Count == 0)
        {
            return;
        }

        using (var connection = Open(databasePath, SqliteOpenMode.ReadWrite))
        {
            Execute(connection, "PRAGMA synchronous=FULL");
            using var transaction = connection.BeginTransaction(deferred: false);
            foreach (var digest in digests)
            {
                using var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = "UPDATE blobs SET state = 'deleting' WHERE sha256 = $sha AND refcount = 0";
                command.Parameters.AddWithValue("$sha", digest.Hex);
                command.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        Fsync(databasePath);
    }

    private static SqliteConnection Open(string path, SqliteOpenMode mode)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA busy_timeout=30000");
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static void Fsync(string path)
    {
        using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Flush(flushToDisk: true);
        }

        DurableFile.FsyncDirectory(Path.GetDirectoryName(path)!);
    }
}
