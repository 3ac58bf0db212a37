using System.Globalization;
using System.Reflection;
using Npgsql;

namespace ArtifactStore.Postgres;

/// <summary>
/// Embedded, ordered schema scripts (<c>Schema/NNN_*.sql</c>, numbered 1, 2, 3… without gaps), each applied
/// once inside its own transaction together with its row in <c>schema_version</c>: a crash leaves the
/// database at the previous version or the next, never between. Each script runs under the schema lock
/// and re-reads the version under it, so replicas that start together apply every script once. A database
/// newer than this binary is refused, never downgraded.
/// </summary>
internal static class PostgresSchema
{
    private static readonly Lazy<IReadOnlyList<(int Version, string Sql)>> Embedded = new(LoadScripts);

    /// <summary>The newest schema version this binary knows.</summary>
    public static int LatestVersion => Embedded.Value[^1].Version;

    /// <exception cref="SchemaTooNewException">The database was written by a newer binary.</exception>
    public static async Task ApplyAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        foreach (var (version, sql) in Embedded.Value)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await Sql.ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(@ns, @key)", cancellationToken,
                ("ns", PostgresLocks.Store), ("key", PostgresLocks.Schema));
            await Sql.ExecuteAsync(connection, transaction, "CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)", cancellationToken);
            var current = await ReadVersionAsync(connection, transaction, cancellationToken);
            if (current > LatestVersion)
            {
                throw new SchemaTooNewException(current, LatestVersion);
            }

            if (current < version)
            {
                await Sql.ExecuteAsync(connection, transaction, sql, cancellationToken);
                await Sql.ExecuteAsync(connection, transaction, "INSERT INTO schema_version (version) VALUES (@version)", cancellationToken, ("version", version));
            }

            await transaction.CommitAsync(cancellationToken);
        }
    }

    /// <summary>The version recorded in the database; 0 for a database no script has run on.</summary>
    public static async Task<int> ReadVersionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        var exists = await Sql.ScalarAsync(connection, transaction, "SELECT to_regclass('schema_version') IS NOT NULL", cancellationToken);
        if (exists is not true)
        {
            return 0;
        }

        return Convert.ToInt32(await Sql.ScalarAsync(connection, transaction, "SELECT COALESCE(MAX(version), 0) FROM schema_version", cancellationToken),
            CultureInfo.InvariantCulture);
    }

    private static List<(int Version, string Sql)> LoadScripts()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var scripts = assembly.GetManifestResourceNames()
            .Where(n => n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(name =>
            {
                var file = name.Split('.')[^2].TrimStart('_');
                var version = int.Parse(file[..3], CultureInfo.InvariantCulture);
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var reader = new StreamReader(stream);
                return (version, reader.ReadToEnd());
            })
            .OrderBy(s => s.version)
            .ToList();
        for (var i = 0; i < scripts.Count; i++)
        {
            if (scripts[i].version != i + 1)
            {
                throw new InvalidOperationException($"schema scripts must be numbered 1, 2, 3… without gaps; script {i + 1} is numbered {scripts[i].version}");
            }
        }

        return scripts;
    }
}
