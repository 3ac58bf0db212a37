namespace ArtifactStore.Core.Storage;

/// <summary>
/// The two reads behind <see cref="StorageUsage"/>, in SQL that SQLite and PostgreSQL read alike (both adapters'
/// views have the same tables), so the figures cannot drift apart between backends.
/// </summary>
public static class StorageUsageSql
{
    /// <summary>Per retention class: live packages and the bytes their files name.</summary>
    public const string Classes = """
        SELECT COALESCE(p.retention_class, ''), COUNT(*),
               COALESCE(SUM((SELECT COALESCE(SUM(f.size), 0) FROM package_files f WHERE f.package_id = p.id)), 0)
        FROM packages p WHERE p.state = 'live'
        GROUP BY COALESCE(p.retention_class, '') ORDER BY 1
        """;

    /// <summary>Live blobs: how many, and their bytes.</summary>
    public const string Blobs = "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM blobs WHERE state = 'live'";
}
