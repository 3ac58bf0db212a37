namespace ArtifactStore.Core.Health;

/// <summary>The stable names of the checks, as they appear in <c>/health/ready</c> and in <c>artifactstore doctor</c>.</summary>
public static class HealthCheckNames
{
    public const string Marker = "marker";
    public const string Layout = "layout";
    public const string Lock = "lock";
    public const string Database = "database";
    public const string BlobStore = "blob_store";
    public const string StoreIdentity = "store_identity";
    public const string FreeSpace = "free_space";
    public const string Recovery = "recovery";
    public const string Revision = "revision";
    public const string Shutdown = "shutdown";
    public const string Lanes = "lanes";
    public const string Permissions = "permissions";
    public const string JobCommands = "job_commands";
}
