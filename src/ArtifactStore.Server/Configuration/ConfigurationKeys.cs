namespace ArtifactStore.Server.Configuration;

/// <summary>The configuration keys this store reads (docs/configuration.md). Nested keys use ':' (or '__' in environment variables).</summary>
public static class ConfigurationKeys
{
    public const string Profile = "Profile";
    public const string DataRoot = "DataRoot";
    public const string StoreBackend = "Store:Backend";
    public const string Urls = "Urls";
    public const string RetentionDefaultClass = "Retention:DefaultClass";
    public const string RetentionClasses = "Retention:Classes";
    public const string MaxUploadBytes = "Limits:MaxUploadBytes";
    public const string MaxFilesPerPackage = "Limits:MaxFilesPerPackage";
    public const string MaxLabelsPerPackage = "Limits:MaxLabelsPerPackage";
    public const string IdempotencyWindow = "Idempotency:Window";
    public const string SweepInterval = "Retention:SweepInterval";
    public const string GcInterval = "Gc:Interval";
    public const string GcBlobGracePeriod = "Gc:BlobGracePeriod";
    public const string TombstoneRetention = "Tombstones:Retention";
    public const string UploadSessionTimeout = "Uploads:SessionTimeout";
    public const string UploadMaxSessionBytes = "Uploads:MaxSessionBytes";
    public const string UploadMaxSessionsPerCaller = "Uploads:MaxSessionsPerCaller";
    public const string UploadInlineMaxBytes = "Uploads:InlineMaxBytes";
    public const string UploadInlineCacheBytes = "Uploads:InlineCacheBytes";
    public const string EventsStreamBuffer = "Events:StreamBuffer";
    public const string EventsHeartbeatInterval = "Events:HeartbeatInterval";
    public const string EventsPollInterval = "Events:PollInterval";
    public const string JobSlots = "Jobs:Slots";
    public const string JobLeaseDuration = "Jobs:LeaseDuration";
    public const string JobKillGracePeriod = "Jobs:KillGracePeriod";
    public const string JobPollInterval = "Jobs:PollInterval";
    public const string JobTypes = "Jobs:Types";
    public const string ReadinessMinFreeSpace = "Readiness:MinFreeSpace";
    public const string ReadinessCheckInterval = "Readiness:CheckInterval";
    public const string ReadinessExpectedRevision = "Readiness:ExpectedRevision";
    public const string ShutdownGracePeriod = "Shutdown:GracePeriod";
    public const string DownloadsInlineActiveContent = "Downloads:InlineActiveContent";
    public const string DownloadsLookupCacheFiles = "Downloads:LookupCacheFiles";
    public const string MetricsAllowAnonymous = "Metrics:AllowAnonymous";
    public const string OciRepositories = "Oci:Repositories";

    /// <summary>The environment variable docs/configuration.md names for <see cref="ReadinessExpectedRevision"/>.</summary>
    public const string ExpectedRevisionVariable = "ARTIFACTSTORE_EXPECTED_REVISION";

    public const string EnvironmentPrefix = "ARTIFACTSTORE_";
    public const string DefaultUrls = "http://127.0.0.1:5080";
}
