using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Time;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite;

/// <summary>The <c>inline_blobs</c> table (docs/upload.md, "Small blobs"): read by the views and snapshots, written by units of work.</summary>
internal static class SqliteInlineBlobs
{
    /// <summary>The first schema version that has the table.</summary>
    public const int SinceSchemaVersion = 4;

    public static InlineBlob? Get(SqliteConnection connection, SqliteTransaction? transaction, BlobDigest digest, string schema = "main")
    {
        using var statement = SqliteStatements.Get(connection, transaction, $"SELECT bytes, stored_at FROM \"{schema}\".inline_blobs WHERE sha256 = $sha");
        var command = statement.Command;
        command.Parameters.AddWithValue("$sha", digest.Hex);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new InlineBlob((byte[])reader.GetValue(0), Rfc3339.Parse(reader.GetString(1))) : null;
    }

    public static IReadOnlyList<BlobDigest> List(SqliteConnection connection, SqliteTransaction? transaction, BlobDigest? after, int limit, string schema = "main")
    {
        using var statement = SqliteStatements.Get(connection, transaction, $"SELECT sha256 FROM \"{schema}\".inline_blobs WHERE sha256 > $after ORDER BY sha256 LIMIT $limit");
        var command = statement.Command;
        command.Parameters.AddWithValue("$after", after?.Hex ?? string.Empty);
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var digests = new List<BlobDigest>();
        while (reader.Read())
        {
            digests.Add(BlobDigest.Parse(reader.GetString(0)));
        }

        return digests;
    }

    public static void Put(SqliteConnection connection, SqliteTransaction transaction, StagedBlob blob, DateTimeOffset now)
    {
        var bytes = blob.InlineBytes ?? throw new ArgumentException($"blob {blob.Digest} is not staged inline", nameof(blob));
        SqliteProjector.Execute(connection, transaction,
            "INSERT INTO inline_blobs (sha256, size, bytes, stored_at) VALUES ($sha, $size, $bytes, $at) ON CONFLICT (sha256) DO NOTHING",
            ("$sha", blob.Digest.Hex), ("$size", (long)bytes.Length), ("$bytes", bytes), ("$at", Rfc3339.ToText(now)));
    }

    public static long? Delete(SqliteConnection connection, SqliteTransaction transaction, BlobDigest digest)
    {
        using var statement = SqliteStatements.Get(connection, transaction, "DELETE FROM inline_blobs WHERE sha256 = $sha RETURNING size");
        var command = statement.Command;
        command.Parameters.AddWithValue("$sha", digest.Hex);
        return command.ExecuteScalar() is long size ? size : null;
    }
}
