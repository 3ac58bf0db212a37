using ArtifactStore.Core.Blobs;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ArtifactStore.Conformance.Tests.Backends;

/// <summary>Damage done to a blob kept inline in the database (docs/upload.md, "Small blobs"), behind the store's back.</summary>
internal static class InlineBlobDamage
{
    /// <summary>Flips one bit of the inline bytes of <paramref name="digest"/> in the SQLite database file; false when it holds none.</summary>
    public static bool FlipBitInSqlite(string databasePath, BlobDigest digest, long offset)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        connection.Open();
        using (var timeout = connection.CreateCommand())
        {
            timeout.CommandText = "PRAGMA busy_timeout=30000";
            timeout.ExecuteNonQuery();
        }

        // Read, flip, write back: simplest to get exactly one bit right.
        byte[]? bytes;
        using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT bytes FROM inline_blobs WHERE sha256 = $sha";
            read.Parameters.AddWithValue("$sha", digest.Hex);
            bytes = read.ExecuteScalar() as byte[];
        }

        if (bytes is null)
        {
            return false;
        }

        bytes[offset] ^= 0x01;
        using var write = connection.CreateCommand();
        write.CommandText = "UPDATE inline_blobs SET bytes = $bytes WHERE sha256 = $sha";
        write.Parameters.AddWithValue("$bytes", bytes);
        write.Parameters.AddWithValue("$sha", digest.Hex);
        return write.ExecuteNonQuery() == 1;
    }

    /// <summary>Flips one bit of the inline bytes of <paramref name="digest"/> in the PostgreSQL database; false when it holds none.</summary>
    public static async Task<bool> FlipBitInPostgresAsync(string connectionString, BlobDigest digest, long offset, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "UPDATE inline_blobs SET bytes = set_byte(bytes, @offset, get_byte(bytes, @offset) # 1) WHERE sha256 = @sha", connection);
        command.Parameters.AddWithValue("offset", (int)offset);
        command.Parameters.AddWithValue("sha", digest.Hex);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}
