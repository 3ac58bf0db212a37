namespace ArtifactStore.Sqlite;

/// <summary>One schema script: the version it brings the database to, and its SQL.</summary>
internal sealed record SchemaScript(int Version, string Sql);
