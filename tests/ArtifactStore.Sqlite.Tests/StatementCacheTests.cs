using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite.Tests;

/// <summary>
/// The writer connection keeps its statements prepared (<see cref="SqliteStatements"/>): a kept statement
/// must behave exactly like a new command every time — after it failed, inside a savepoint that is rolled
/// back, while another use of the same SQL is still reading — and a connection without a cache must get
/// a new command each time. How units of work use it is covered by <see cref="GroupCommitTests"/>.
/// </summary>
public sealed class StatementCacheTests : IDisposable
{
    private const string Insert = "INSERT INTO t (k, v) VALUES ($k, $v)";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "as-statements-" + Guid.NewGuid().ToString("N"));
    private readonly SqliteConnection _connection;

    public StatementCacheTests()
    {
        Directory.CreateDirectory(_directory);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(_directory, "t.db"), Pooling = false }.ToString());
        _connection.Open();
        SqliteStatements.Execute(_connection, null, "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    }

    [Fact]
    public void a_kept_statement_that_failed_runs_again_and_a_rolled_back_savepoint_keeps_nothing_of_it()
    {
        using var cache = SqliteStatements.Attach(_connection);
        using (var transaction = _connection.BeginTransaction())
        {
            SqliteStatements.Execute(_connection, transaction, Insert, ("$k", 1L), ("$v", "one"));

            SqliteStatements.Execute(_connection, transaction, "SAVEPOINT unit");
            SqliteStatements.Execute(_connection, transaction, Insert, ("$k", 2L), ("$v", "two, rolled back"));
            var duplicate = Assert.Throws<SqliteException>(() => SqliteStatements.Execute(_connection, transaction, Insert, ("$k", 1L), ("$v", "again")));
            Assert.Equal(19, duplicate.SqliteErrorCode); // SQLITE_CONSTRAINT
            SqliteStatements.Execute(_connection, transaction, "ROLLBACK TO unit");
            SqliteStatements.Execute(_connection, transaction, "RELEASE unit");

            // The statement that failed is the one kept: it binds and runs cleanly the next time.
            SqliteStatements.Execute(_connection, transaction, Insert, ("$k", 3L), ("$v", "three"));
            transaction.Commit();
        }

        // A value bound before is never carried over: a missing parameter is an error, not the old value.
        var missing = Assert.Throws<InvalidOperationException>(() => SqliteStatements.Execute(_connection, null, Insert, ("$k", 4L)));
        Assert.Contains("$v", missing.Message, StringComparison.Ordinal);

        Assert.Equal(["1=one", "3=three"], Rows());
        Assert.Equal(5, cache.Count); // the insert, SAVEPOINT, ROLLBACK TO, RELEASE and the select of Rows()
    }

    [Fact]
    public void the_same_sql_run_while_its_kept_statement_is_still_reading_gets_a_command_of_its_own()
    {
        using var cache = SqliteStatements.Attach(_connection);
        for (var k = 1; k <= 3; k++)
        {
            SqliteStatements.Execute(_connection, null, Insert, ("$k", (long)k), ("$v", $"v{k}"));
        }

        const string Select = "SELECT v FROM t WHERE k >= $k ORDER BY k";
        var seen = new List<string>();
        using (var outer = SqliteStatements.Get(_connection, null, Select))
        {
            outer.Command.Parameters.AddWithValue("$k", 1L);
            using var reader = outer.Command.ExecuteReader();
            while (reader.Read())
            {
                using var inner = SqliteStatements.Get(_connection, null, Select);
                Assert.NotSame(outer.Command, inner.Command);
                inner.Command.Parameters.AddWithValue("$k", 3L);
                seen.Add($"{reader.GetString(0)}:{inner.Command.ExecuteScalar()}");
            }
        }

        Assert.Equal(["v1:v3", "v2:v3", "v3:v3"], seen);

        // Handed back, the kept statement is the one given out next.
        using var first = SqliteStatements.Get(_connection, null, Select);
        var kept = first.Command;
        first.Dispose();
        using var second = SqliteStatements.Get(_connection, null, Select);
        Assert.Same(kept, second.Command);
    }

    [Fact]
    public void a_connection_without_a_cache_gets_a_new_command_each_time_and_a_disposed_cache_lets_the_connection_close()
    {
        var cache = SqliteStatements.Attach(_connection);
        SqliteStatements.Execute(_connection, null, Insert, ("$k", 1L), ("$v", "one"));
        Assert.Equal(1, cache.Count);
        cache.Dispose();

        using (var a = SqliteStatements.Get(_connection, null, Insert))
        using (var b = SqliteStatements.Get(_connection, null, Insert))
        {
            Assert.NotSame(a.Command, b.Command);
        }

        SqliteStatements.Execute(_connection, null, Insert, ("$k", 2L), ("$v", "two"));
        Assert.Equal(0, cache.Count);
        Assert.Equal(["1=one", "2=two"], Rows());
        _connection.Close();
        Assert.Equal(System.Data.ConnectionState.Closed, _connection.State);
    }

    private List<string> Rows()
    {
        using var statement = SqliteStatements.Get(_connection, null, "SELECT k, v FROM t ORDER BY k");
        using var reader = statement.Command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add($"{reader.GetInt64(0)}={reader.GetString(1)}");
        }

        return rows;
    }

    public void Dispose()
    {
        _connection.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
