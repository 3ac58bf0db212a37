namespace ArtifactStore.Postgres;

/// <summary>The database was written by a newer binary; opening it would risk damaging it.</summary>
public sealed class SchemaTooNewException(int databaseVersion, int supportedVersion)
    : Exception($"the database schema is version {databaseVersion}, newer than this binary supports ({supportedVersion}); run a newer artifactstore")
{
    public int DatabaseVersion { get; } = databaseVersion;

    public int SupportedVersion { get; } = supportedVersion;
}
