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

    [Fact]
    public void schema_6_drops_the_digest_index_of_package_files_and_keeps_their_rows()
    {
        SqliteSchema.Apply(_connection, SqliteSchema.Scripts.Take(5).ToList());
        Assert.True(Exists("index", "package_files_by_blob"), "schema 1 creates the index that schema 6 drops");
        using (var insert = _connection.CreateCommand())
        {
            insert.CommandText = "INSERT INTO package_files (package_id, path, size, sha256, blake3, media_type) VALUES ('p', 'a.txt', 1, 's', 'b', 'text/plain')";
            insert.ExecuteNonQuery();
        }

        SqliteSchema.Apply(_connection);
        Assert.Equal(SqliteSchema.LatestVersion, SqliteSchema.ReadVersion(_connection));
        Assert.False(Exists("index", "package_files_by_blob"));
        Assert.True(Exists("table", "package_files"));
        using var count = _connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM package_files WHERE package_id = 'p'";
        Assert.Equal(1L, Convert.ToInt64(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
    }

    private bool TableExists(string name) => Exists("table", name);

    private bool Exists(string type, string name)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = $type AND name = $name";
        command.Parameters.AddWithValue("$type", type);
        command.Parameters.AddWithValue("$name", name);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 1;
    }
}
