using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite;

/// <summary>
/// Prepared statements kept for the life of a connection that runs the same statements over and over:
/// the writer connection, whose units of work each run a dozen of them (docs/performance.md, "Server CPU
/// per small write"). Microsoft.Data.Sqlite compiles a command's SQL on its first execution and keeps the
/// compiled statement while the command lives, resetting it after each execution; a new command per
/// statement parsed and planned the same SQL again every time. A connection without a cache (readers,
/// replay, snapshots) gets a new command that the caller's <c>using</c> disposes, as before.
/// A cache is used by one thread at a time, like the connection it belongs to (the writer runs its
/// units one after the other).
/// </summary>
internal sealed class SqliteStatements : IDisposable
{
    /// <summary>At most this many distinct statements are kept; more (which no caller makes) are not cached.</summary>
    public const int Capacity = 256;

    private static readonly ConditionalWeakTable<SqliteConnection, SqliteStatements> Caches = [];

    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private readonly HashSet<SqliteCommand> _inUse = [];

    private SqliteStatements(SqliteConnection connection) => _connection = connection;

    /// <summary>How many statements are cached (for tests).</summary>
    public int Count => _commands.Count;

    /// <summary>
    /// Keeps prepared statements for <paramref name="connection"/> until the returned cache is disposed,
    /// which must happen before the connection closes (closing a connection disposes its commands).
    /// </summary>
    public static SqliteStatements Attach(SqliteConnection connection)
    {
        var cache = new SqliteStatements(connection);
        Caches.AddOrUpdate(connection, cache);
        return cache;
    }

    /// <summary>
    /// A command for <paramref name="sql"/> in <paramref name="transaction"/> with no parameters yet: the
    /// connection's prepared one when it keeps a cache, otherwise a new one. Dispose what this returns.
    /// </summary>
    public static Statement Get(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        if (Caches.TryGetValue(connection, out var cache) && cache.TryGet(transaction, sql) is { } cached)
        {
            return new Statement(cached, cache);
        }

        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return new Statement(command, owner: null);
    }

    /// <summary>Runs <paramref name="sql"/> with <paramref name="parameters"/> (null is SQL NULL) and returns the rows changed.</summary>
    public static int Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var statement = Get(connection, transaction, sql);
        foreach (var (name, value) in parameters)
        {
            statement.Command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return statement.Command.ExecuteNonQuery();
    }

    // A statement still in use (a caller reading rows runs the same SQL again) gets a new command instead.
    private SqliteCommand? TryGet(SqliteTransaction? transaction, string sql)
    {
        if (_commands.TryGetValue(sql, out var command))
        {
            if (_inUse.Contains(command))
            {
                return null;
            }
        }
        else
        {
            if (_commands.Count >= Capacity)
            {
                return null;
            }

            command = _connection.CreateCommand();
            command.CommandText = sql;
            _commands.Add(sql, command);
        }

        command.Transaction = transaction;
        command.Parameters.Clear();
        _inUse.Add(command);
        return command;
    }

    private void Return(SqliteCommand command)
    {
        // The values (an inline blob's bytes among them) are not kept alive until the next use.
        command.Parameters.Clear();
        _inUse.Remove(command);
    }

    /// <summary>Finalizes every kept statement; the connection gets no cache from here on.</summary>
    public void Dispose()
    {
        Caches.Remove(_connection);
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
        _inUse.Clear();
    }

    /// <summary>A command to run once: disposed when new, handed back to its cache when cached.</summary>
    public readonly struct Statement(SqliteCommand command, SqliteStatements? owner) : IDisposable
    {
        public SqliteCommand Command { get; } = command;

        public void Dispose()
        {
            if (owner is null)
            {
                Command.Dispose();
            }
            else
            {
                owner.Return(Command);
            }
        }
    }
}
