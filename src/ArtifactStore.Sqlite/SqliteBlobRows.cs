using ArtifactStore.Core.Blobs;
using ArtifactStore.Core.Storage;
using ArtifactStore.Core.Time;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite;

internal static class SqliteBlobRows
{
    public static BlobRow? Get(SqliteConnection connection, SqliteTransaction? transaction, BlobDigest digest)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT blake3, size, refcount, state, condemned_at FROM blobs WHERE sha256 = $sha";
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
            ParseState(reader.GetString(3)),
            reader.IsDBNull(4) ? null : Rfc3339.Parse(reader.GetString(4)));
    }

    public static string StateText(BlobState state) => state switch
    {
        BlobState.Live => "live",
        BlobState.Condemned => "condemned",
        BlobState.Deleting => "deleting",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    internal static BlobState ParseState(string text) => text switch
    {
        "live" => BlobState.Live,
        "condemned" => BlobState.Condemned,
        "deleting" => BlobState.Deleting,
        _ => throw new InvalidDataException($"unknown blob state '{text}'"),
    };
}
