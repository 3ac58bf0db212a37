using ArtifactStore.Core.Events;
using ArtifactStore.Core.Time;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite;

internal static class SqliteEvents
{
    public const string Columns = "seq, stream, type, occurred_at, actor, payload, prev_hash, hash";

    public static EventRecord Read(SqliteDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetString(2),
        Rfc3339.Parse(reader.GetString(3)),
        reader.GetString(4),
        (byte[])reader[5],
        (byte[])reader[6],
        (byte[])reader[7]);

    public static void Insert(SqliteConnection connection, SqliteTransaction transaction, EventRecord record)
    {
        using var statement = SqliteStatements.Get(connection, transaction, $"INSERT INTO events ({Columns}) VALUES ($seq, $stream, $type, $at, $actor, $payload, $prev, $hash)");
        var command = statement.Command;
        command.Parameters.AddWithValue("$seq", record.Seq);
        command.Parameters.AddWithValue("$stream", record.Stream);
        command.Parameters.AddWithValue("$type", record.Type);
        command.Parameters.AddWithValue("$at", Rfc3339.ToText(record.OccurredAt));
        command.Parameters.AddWithValue("$actor", record.Actor);
        command.Parameters.AddWithValue("$payload", record.Payload);
        command.Parameters.AddWithValue("$prev", record.PrevHash);
        command.Parameters.AddWithValue("$hash", record.Hash);
        command.ExecuteNonQuery();
    }
}
