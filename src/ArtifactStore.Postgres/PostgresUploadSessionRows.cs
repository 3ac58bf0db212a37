using System.Runtime.CompilerServices;
using ArtifactStore.Core.Time;
using ArtifactStore.Core.Uploads;
using Npgsql;

namespace ArtifactStore.Postgres;

/// <summary>
/// The rows of the scale-out backend's upload sessions (<c>upload_sessions</c> and <c>upload_session_parts</c>,
/// schema version 3; docs/upload.md, "Upload sessions on scale-out"). Any replica reads and changes them: a
/// change is made through <see cref="LockAsync"/>, which holds the session's row lock in a transaction until
/// the change is committed or dropped, so the calls for one session are serialized across every replica. A
/// replica that dies holding the lock loses its connection, and with it the lock and the uncommitted change.
/// </summary>
public sealed class PostgresUploadSessionRows(NpgsqlDataSource dataSource)
{
    private const string Columns = "id, owner, byte_offset, max_bytes, created_at, expires_at, s3_upload_id";

    public async Task InsertAsync(UploadSessionRow row, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Sql.ExecuteAsync(connection, null, $"""
            INSERT INTO upload_sessions ({Columns}, tail, digest_state)
            VALUES (@id, @owner, @offset, @max, @created, @expires, @upload, @tail, @state)
            """, cancellationToken, Parameters(row));
    }

    /// <summary>The session without its tail and digest state, or null; takes no lock.</summary>
    public async Task<UploadSession?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await Sql.QueryAsync(connection, null, $"SELECT {Columns} FROM upload_sessions WHERE id = @id",
            r => ReadSession(r).Session, cancellationToken, ("id", id));
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Every session, without tails and digest states.</summary>
    public async IAsyncEnumerable<(UploadSession Session, string S3UploadId)> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        foreach (var row in await Sql.QueryAsync(connection, null, $"SELECT {Columns} FROM upload_sessions", ReadSession, cancellationToken))
        {
            yield return row;
        }
    }

    /// <summary>
    /// Locks the session's row (waiting while another call, on any replica, holds it) and reads it whole with
    /// its parts; null when there is no such session. Dispose the result to let go, dropping what was not committed.
    /// </summary>
    public async Task<LockedUploadSession?> LockAsync(Guid id, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        NpgsqlTransaction? transaction = null;
        try
        {
            transaction = await connection.BeginTransactionAsync(cancellationToken);
            var rows = await Sql.QueryAsync(connection, transaction, $"SELECT {Columns}, tail, digest_state FROM upload_sessions WHERE id = @id FOR UPDATE",
                r =>
                {
                    var (session, upload) = ReadSession(r);
                    return new UploadSessionRow(session, upload, (byte[])r.GetValue(7), (byte[])r.GetValue(8));
                }, cancellationToken, ("id", id));
            if (rows.Count == 0)
            {
                await transaction.DisposeAsync();
                await connection.DisposeAsync();
                return null;
            }

            var parts = await Sql.QueryAsync(connection, transaction,
                "SELECT part_number, etag, size FROM upload_session_parts WHERE session_id = @id ORDER BY part_number",
                r => new UploadPartRow(r.GetInt32(0), r.GetString(1), r.GetInt64(2)), cancellationToken, ("id", id));
            return new LockedUploadSession(connection, transaction, rows[0], parts);
        }
        catch
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync();
            }

            await connection.DisposeAsync();
            throw;
        }
    }

    private static (UploadSession Session, string S3UploadId) ReadSession(NpgsqlDataReader r) =>
        (new UploadSession(r.GetGuid(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), Rfc3339.Parse(r.GetString(4)), Rfc3339.Parse(r.GetString(5))), r.GetString(6));

    private static (string Name, object? Value)[] Parameters(UploadSessionRow row) =>
    [
        ("id", row.Session.Id), ("owner", row.Session.Owner), ("offset", row.Session.Offset), ("max", row.Session.MaxBytes),
        ("created", Rfc3339.ToText(row.Session.CreatedAt)), ("expires", Rfc3339.ToText(row.Session.ExpiresAt)),
        ("upload", row.S3UploadId), ("tail", row.Tail), ("state", row.DigestState),
    ];
}

/// <summary>A session's row: the session, its S3 multipart upload, the bytes after its last whole part, its running digests.</summary>
public sealed record UploadSessionRow(UploadSession Session, string S3UploadId, byte[] Tail, byte[] DigestState);

/// <summary>A whole part of a session's multipart upload.</summary>
public sealed record UploadPartRow(int Number, string ETag, long Size);

/// <summary>A session's row, locked until this is committed or disposed (which drops any change not committed).</summary>
public sealed class LockedUploadSession : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    internal LockedUploadSession(NpgsqlConnection connection, NpgsqlTransaction transaction, UploadSessionRow row, IReadOnlyList<UploadPartRow> parts)
    {
        _connection = connection;
        _transaction = transaction;
        Row = row;
        Parts = parts;
    }

    public UploadSessionRow Row { get; }

    public IReadOnlyList<UploadPartRow> Parts { get; }

    /// <summary>Records the row as it is after a chunk, with the parts that chunk added, and commits.</summary>
    public async Task SaveAsync(UploadSessionRow row, IReadOnlyList<UploadPartRow> newParts, CancellationToken cancellationToken)
    {
        foreach (var part in newParts)
        {
            await Sql.ExecuteAsync(_connection, _transaction,
                "INSERT INTO upload_session_parts (session_id, part_number, etag, size) VALUES (@id, @number, @etag, @size)",
                cancellationToken, ("id", row.Session.Id), ("number", part.Number), ("etag", part.ETag), ("size", part.Size));
        }

        await Sql.ExecuteAsync(_connection, _transaction, """
            UPDATE upload_sessions SET byte_offset = @offset, expires_at = @expires, tail = @tail, digest_state = @state WHERE id = @id
            """, cancellationToken, ("id", row.Session.Id), ("offset", row.Session.Offset), ("expires", Rfc3339.ToText(row.Session.ExpiresAt)),
            ("tail", row.Tail), ("state", row.DigestState));
        await _transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Removes the session and its parts' rows, and commits.</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken)
    {
        await Sql.ExecuteAsync(_connection, _transaction, "DELETE FROM upload_sessions WHERE id = @id", cancellationToken, ("id", Row.Session.Id));
        await _transaction.CommitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
