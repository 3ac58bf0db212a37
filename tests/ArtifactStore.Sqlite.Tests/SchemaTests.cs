using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite.Tests;

/// <summary>Schema scripts run in order, each in its own transaction, and a newer database is refused.</summary>
public sealed class SchemaTests : IDisposable
{
    private readonly SqliteConnection _connection = new("Data Source=:memory:");

    public SchemaTests() => _connection.Open();

    public void Dispose() => _connection.Dispose();

    [Fact]
    public void scripts_run_in_order_and_a_failing_script_leaves_the_database_at_the_version_before_it()
    {
        SchemaScript[] failing = [new(1, "CREATE TABLE a (x INTEGER)"), new(2, "CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);")];
        Assert.Throws<SqliteException>(() => SqliteSchema.Apply(_connection, failing));
        Assert.Equal(1, SqliteSchema.ReadVersion(_connection));
        Assert.False(TableExists("b"), "a failed script must leave nothing of itself behind");

        SchemaScript[] fixedScripts = [failing[0], new(2, "CREATE TABLE b (x INTEGER)"), new(3, "CREATE TABLE c (x INTEGER)")];
        SqliteSchema.Apply(_connection, fixedScripts);
        Assert.Equal(3, SqliteSchema.ReadVersion(_connection));
        Assert.True(TableExists("b") && TableExists("c"));

        SqliteSchema.Apply(_connection, fixedScripts); // idempotent
        Assert.Equal(3, SqliteSchema.ReadVersion(_connection));
    }

    [Fact]
    public void a_database_newer_than_the_binary_is_refused_and_left_unchanged()
    {
        SqliteSchema.Apply(_connection, [new(1, "CREATE TABLE a (x INTEGER)"), new(2, "CREATE TABLE b (x INTEGER)")]);
        var refused = Assert.Throws<SchemaTooNewException>(() => SqliteSchema.Apply(_connection, [new(1, "CREATE TABLE a (x INTEGER)")]));
        Assert.Contains("version 2, newer than this binary supports (1)", refused.Message, StringComparison.Ordinal);
        Assert.Equal(2, SqliteSchema.ReadVersion(_connection));
    }

    [Fact]
    public void scripts_numbered_with_a_gap_are_a_build_error_not_a_silent_skip()
    {
        Assert.Throws<InvalidOperationException>(() => SqliteSchema.Apply(_connection, [new(1, "SELECT 1"), new(3, "SELECT 1")]));
        Assert.Equal(0, SqliteSchema.ReadVersion(_connection));
    }

    [Fact]
    public void the_embedded_scripts_are_numbered_from_one_without_gaps()
    {
        SqliteSchema.Apply(_connection);
        Assert.Equal(SqliteSchema.LatestVersion, SqliteSchema.ReadVersion(_connection));
    }

    private bool TableExists(string name)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $name";
        command.Parameters.AddWithValue("$name", name);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 1;
    }
}
