using ArtifactStore.Core.Storage;
using ArtifactStore.S3;
using Npgsql;

namespace ArtifactStore.ScaleOut;

/// <summary>
/// The scale-out backend's configuration keys (docs/configuration.md, "Scale-out"), read from the
/// <c>Store:*</c> settings and checked with the rest of the configuration: every problem names its key.
/// </summary>
internal static class ScaleOutSettings
{
    public const string ConnectionString = "Store:Postgres:ConnectionString";
    public const string ServiceUrl = "Store:S3:ServiceUrl";
    public const string Bucket = "Store:S3:Bucket";
    public const string Prefix = "Store:S3:Prefix";
    public const string Region = "Store:S3:Region";
    public const string ForcePathStyle = "Store:S3:ForcePathStyle";
    public const string AccessKey = "Store:S3:AccessKey";
    public const string SecretKey = "Store:S3:SecretKey";

    /// <summary>Every key, in the order <c>config show</c> prints them; the connection string may carry a password.</summary>
    public static IReadOnlyList<StoreBackendSetting> All { get; } =
    [
        new(ConnectionString, IsSecret: true),
        new(ServiceUrl),
        new(Bucket),
        new(Prefix),
        new(Region),
        new(ForcePathStyle),
        new(AccessKey),
        new(SecretKey, IsSecret: true),
    ];

    public static List<string> Check(StoreBackendSettings settings)
    {
        var problems = new List<string>();
        foreach (var key in settings.Keys)
        {
            if (!All.Any(s => s.Key.Equals(key, StringComparison.OrdinalIgnoreCase)))
            {
                problems.Add($"{key}: unknown setting of the scale-out backend (known: {string.Join(", ", All.Select(s => s.Key))})");
            }
        }

        var connectionString = settings[ConnectionString];
        if (connectionString is null)
        {
            problems.Add($"{ConnectionString}: required by Store:Backend=scale-out (an Npgsql connection string, for example Host=db;Database=artifactstore;Username=artifactstore)");
        }
        else
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(connectionString);
            }
            catch (ArgumentException e)
            {
                // The message of a malformed string never repeats the string (it may hold a password).
                problems.Add($"{ConnectionString}: not a valid Npgsql connection string ({e.Message})");
            }
        }

        if (settings[ForcePathStyle] is { } pathStyle && !bool.TryParse(pathStyle, out _))
        {
            problems.Add($"{ForcePathStyle}: '{pathStyle}' is not true or false");
        }

        if (settings[Bucket] is null)
        {
            problems.Add($"{Bucket}: required by Store:Backend=scale-out (an existing bucket; the store never creates one)");
        }
        else if (S3(settings).Validate() is { } s3Problem)
        {
            problems.Add(s3Problem);
        }

        var accessKey = settings[AccessKey] ?? Environment.GetEnvironmentVariable(S3BlobStoreOptions.AccessKeyVariable);
        var secretKey = settings[SecretKey] ?? Environment.GetEnvironmentVariable(S3BlobStoreOptions.SecretKeyVariable);
        if (string.IsNullOrEmpty(accessKey) || string.IsNullOrEmpty(secretKey))
        {
            problems.Add($"{AccessKey} and {SecretKey}: S3 credentials are required; set both, or the environment variables {S3BlobStoreOptions.AccessKeyVariable} and {S3BlobStoreOptions.SecretKeyVariable}");
        }

        return problems;
    }

    /// <summary>The connection string; the settings were checked.</summary>
    public static string Postgres(StoreBackendSettings settings) =>
        settings[ConnectionString] ?? throw new InvalidOperationException($"{ConnectionString} is not set");

    /// <summary>The S3 blob store's options from the settings.</summary>
    public static S3BlobStoreOptions S3(StoreBackendSettings settings) => new()
    {
        ServiceUrl = settings[ServiceUrl],
        Bucket = settings[Bucket] ?? "",
        Prefix = settings[Prefix] ?? "",
        Region = settings[Region],
        ForcePathStyle = bool.TryParse(settings[ForcePathStyle], out var pathStyle) && pathStyle,
        AccessKey = settings[AccessKey],
        SecretKey = settings[SecretKey],
    };
}
