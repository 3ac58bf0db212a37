using ArtifactStore.Core.Events;
using ArtifactStore.Core.Time;
using Npgsql;

namespace ArtifactStore.Postgres;

internal static class PostgresEvents
{
    public const string Columns = "seq, stream, type, occurred_at, actor, payload, prev_hash, hash";

    public static EventRecord Read(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetString(2),
        Rfc3339.Parse(reader.GetString(3)),
        reader.GetString(4),
        (byte[])reader[5],
        (byte[])reader[6],
        (byte[])reader[7]);

    public static Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EventRecord record, CancellationToken cancellationToken) =>
        Sql.ExecuteAsync(connection, transaction,
            $"INSERT INTO events ({Columns}) VALUES (@seq, @stream, @type, @at, @actor, @payload, @prev, @hash)",
            cancellationToken,
            ("seq", record.Seq), ("stream", record.Stream), ("type", record.Type), ("at", Rfc3339.ToText(record.OccurredAt)),
            ("actor", record.Actor), ("payload", record.Payload), ("prev", record.PrevHash), ("hash", record.Hash));

    /// <summary>At most <paramref name="limit"/> events after <paramref name="afterSeq"/> from <paramref name="table"/>, in order.</summary>
    public static Task<List<EventRecord>> ReadBatchAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string table, long afterSeq, int limit, CancellationToken cancellationToken) =>
        Sql.QueryAsync(connection, transaction, $"SELECT {Columns} FROM {table} WHERE seq > @after ORDER BY seq LIMIT @limit", Read, cancellationToken,
            ("after", afterSeq), ("limit", limit));
}
