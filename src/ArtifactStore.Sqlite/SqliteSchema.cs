using System.Globalization;
using System.Reflection;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite;

/// <summary>
/// Embedded, ordered schema scripts (<c>Schema/NNN_*.sql</c>, numbered 1, 2, 3… without gaps), each
/// applied once inside its own transaction together with its row in <c>schema_version</c>: a crash
/// leaves the database at the previous version or the next, never between. A database newer than this
/// binary is refused, never downgraded.
/// </summary>
internal static class SqliteSchema
{
    private static readonly Lazy<IReadOnlyList<SchemaScript>> Embedded = new(LoadScripts);

    /// <summary>The newest schema version this binary knows.</summary>
    public static int LatestVersion => Embedded.Value[^1].Version;

    public static void Apply(SqliteConnection connection) => Apply(connection, Embedded.Value);

    /// <summary>The embedded scripts in order (tests bring a database to an older version with the first few).</summary>
    internal static IReadOnlyList<SchemaScript> Scripts => Embedded.Value;

    /// <summary>Brings the database up to the last of <paramref name="scripts"/> (tests pass their own).</summary>
    internal static void Apply(SqliteConnection connection, IReadOnlyList<SchemaScript> scripts)
    {
        CheckOrdered(scripts);
        Execute(connection, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
        var current = ReadVersion(connection);
        var latest = scripts[^1].Version;
        if (current > latest)
        {
            throw new SchemaTooNewException(current, latest);
        }

        foreach (var script in scripts.Where(s => s.Version > current))
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            Execute(connection, script.Sql, transaction);
            Execute(connection, $"INSERT INTO schema_version (version) VALUES ({script.Version.ToString(CultureInfo.InvariantCulture)})", transaction);
            transaction.Commit();
        }
    }

    /// <summary>The version recorded in the database; 0 for a database no script has run on.</summary>
    public static int ReadVersion(SqliteConnection connection, SqliteTransaction? transaction = null, string schema = "main")
    {
        using var exists = connection.CreateCommand();
        exists.Transaction = transaction;
        exists.CommandText = $"SELECT COUNT(*) FROM \"{schema}\".sqlite_master WHERE type = 'table' AND name = 'schema_version'";
        if (Convert.ToInt64(exists.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
        {
            return 0;
        }

        using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = $"SELECT COALESCE(MAX(version), 0) FROM \"{schema}\".schema_version";
        return Convert.ToInt32(read.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static void CheckOrdered(IReadOnlyList<SchemaScript> scripts)
    {
        for (var i = 0; i < scripts.Count; i++)
        {
            if (scripts[i].Version != i + 1)
            {
                throw new InvalidOperationException(
                    $"schema scripts must be numbered 1, 2, 3… without gaps; script {i + 1} is numbered {scripts[i].Version}");
            }
        }
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static List<SchemaScript> LoadScripts()
    {
        var assembly = Assembly.GetExecutingAssembly();
        return assembly.GetManifestResourceNames()
            .Where(n => n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(name =>
            {
                var file = name.Split('.')[^2].TrimStart('_');
                var version = int.Parse(file[..3], CultureInfo.InvariantCulture);
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var reader = new StreamReader(stream);
                return new SchemaScript(version, reader.ReadToEnd());
            })
            .OrderBy(s => s.Version)
            .ToList();
    }
}
