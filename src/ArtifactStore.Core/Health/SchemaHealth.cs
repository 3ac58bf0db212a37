namespace ArtifactStore.Core.Health;

/// <summary>The readiness check <c>database</c> once a database answered: its schema version against this binary's.</summary>
public static class SchemaHealth
{
    /// <param name="version">The version the database records.</param>
    /// <param name="latest">The newest version this binary knows.</param>
    /// <param name="store">Names the store in the advice for a newer schema (<c>root</c>, <c>database</c>).</param>
    public static HealthCheck Check(int version, int latest, string store) =>
        version < latest
            ? HealthCheck.Failed(HealthCheckNames.Database,
                $"the database schema is version {version}, older than this binary's {latest} (not migrated)",
                "start the server on it, which migrates the schema at start, or run 'artifactstore migrate'")
            : version > latest
                ? HealthCheck.Failed(HealthCheckNames.Database,
                    $"the database schema is version {version}, newer than this binary supports ({latest})",
                    $"run a newer artifactstore on this {store}")
                : HealthCheck.Ok(HealthCheckNames.Database, $"schema version {version}");
}
