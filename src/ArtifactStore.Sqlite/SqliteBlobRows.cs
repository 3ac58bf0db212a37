using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Storage;
using ArtifactStore.Core.Time;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite;

internal static class SqliteBlobRows
{
    public static BlobRow? Get(SqliteConnection connection, SqliteTransaction? transaction, BlobDigest digest)
    {
        using var statement = SqliteStatements.Get(connection, transaction, "SELECT blake3, size, refcount, state, condemned_at FROM blobs WHERE sha256 = $sha");
        var command = statement.Command;
        command.Parameters.AddWithValue("$sha", digest.Hex);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        return new BlobRow(
            digest,
            reader.GetString(0),
            reader.GetInt64(1),
            reader.GetInt64(2),
            BlobStates.Parse(reader.GetString(3)),
            reader.IsDBNull(4) ? null : Rfc3339.Parse(reader.GetString(4)));
    }

    /// <summary>
    /// A package created references the blob: the row after Core's rule (<see cref="BlobAccounting.Referenced"/>), from
    /// <paramref name="knownRows"/> when the unit of work read the row there and has not changed it since, else read now.
    /// </summary>
    public static void AddReference(SqliteConnection connection, SqliteTransaction transaction, BlobDigest digest, string blake3, long size, IReadOnlyDictionary<BlobDigest, BlobRow?>? knownRows)
    {
        var current = knownRows is not null && knownRows.TryGetValue(digest, out var known) ? known : Get(connection, transaction, digest);
        Put(connection, transaction, BlobAccounting.Referenced(current, digest, blake3, size));
    }

    /// <summary>A deleted package gives up its reference: the row after Core's rule (<see cref="BlobAccounting.Released"/>).</summary>
    public static void ReleaseReference(SqliteConnection connection, SqliteTransaction transaction, BlobDigest digest, DateTimeOffset at) =>
        Store(connection, transaction, digest, BlobAccounting.Released(Get(connection, transaction, digest), at));

    /// <summary>An upload put a condemned blob's bytes again: the row after Core's rule (<see cref="BlobAccounting.Revived"/>).</summary>
    public static void Revive(SqliteConnection connection, SqliteTransaction transaction, BlobDigest digest, DateTimeOffset at) =>
        Store(connection, transaction, digest, BlobAccounting.Revived(Get(connection, transaction, digest), at));

    /// <summary>The blob was reaped: the row after Core's rule (<see cref="BlobAccounting.Reaped"/>).</summary>
    public static void Reap(SqliteConnection connection, SqliteTransaction transaction, BlobDigest digest) =>
        Store(connection, transaction, digest, BlobAccounting.Reaped(Get(connection, transaction, digest)));

    /// <summary>Stores <paramref name="row"/> as the blob's row: inserts it, or replaces every column of the existing one.</summary>
    public static void Put(SqliteConnection connection, SqliteTransaction transaction, BlobRow row) =>
        SqliteProjector.Execute(connection, transaction, """
            INSERT INTO blobs (sha256, blake3, size, refcount, state, condemned_at) VALUES ($sha, $blake3, $size, $refcount, $state, $condemned_at)
            ON CONFLICT (sha256) DO UPDATE SET blake3 = $blake3, size = $size, refcount = $refcount, state = $state, condemned_at = $condemned_at
            """,
            ("$sha", row.Digest.Hex), ("$blake3", row.Blake3Hex), ("$size", row.Size), ("$refcount", row.RefCount),
            ("$state", BlobStates.ToText(row.State)), ("$condemned_at", row.CondemnedAt is { } at ? Rfc3339.ToText(at) : null));

    /// <summary>Stores what a GC rule returned for the blob: the new row, or no row at all (null).</summary>
    private static void Store(SqliteConnection connection, SqliteTransaction transaction, BlobDigest digest, BlobRow? row)
    {
        if (row is null)
        {
            SqliteProjector.Execute(connection, transaction, "DELETE FROM blobs WHERE sha256 = $sha", ("$sha", digest.Hex));
        }
        else
        {
            Put(connection, transaction, row);
        }
    }
}
