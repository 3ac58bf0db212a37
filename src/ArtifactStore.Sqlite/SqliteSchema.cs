using System.Reflection;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite;

/// <summary>
/// Embedded, ordered schema scripts (<c>Schema/NNN_*.sql</c>), applied once each inside a transaction
/// and recorded in <c>schema_version</c>. A database newer than this binary is refused, never downgraded.
/// </summary>
internal static class SqliteSchema
{
    public static int LatestVersion => Scripts.Value.Count;

    private static readonly Lazy<IReadOnlyList<(int Version, string Sql)>> Scripts = new(LoadScripts);

    public static void Apply(SqliteConnection connection)
    {
        Execute(connection, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_version";
        var current = Convert.ToInt32(read.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (current > LatestVersion)
        {
            throw new InvalidOperationException(
                $"the database schema is version {current}, newer than this binary supports ({LatestVersion}); run a newer artifactstore");
        }

        foreach (var (version, sql) in Scripts.Value.Where(s => s.Version > current))
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            Execute(connection, sql, transaction);
            Execute(connection, $"INSERT INTO schema_version (version) VALUES ({version})", transaction);
            transaction.Commit();
        }
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static List<(int Version, string Sql)> LoadScripts()
    {
        var assembly = Assembly.GetExecutingAssembly();
        return assembly.GetManifestResourceNames()
            .Where(n => n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(name =>
            {
                var file = name.Split('.')[^2].TrimStart('_');
                var version = int.Parse(file[..3], System.Globalization.CultureInfo.InvariantCulture);
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var reader = new StreamReader(stream);
                return (Version: version, Sql: reader.ReadToEnd());
            })
            .OrderBy(s => s.Version)
            .ToList();
    }
}
