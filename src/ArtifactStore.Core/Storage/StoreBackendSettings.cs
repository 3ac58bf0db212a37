namespace ArtifactStore.Core.Storage;

/// <summary>
/// The backend's own configuration: every key under <c>Store:</c> but <c>Store:Backend</c>, by its full
/// key (<c>Store:Postgres:ConnectionString</c>). Keys are case-insensitive, as configuration keys are, so
/// that the environment form (<c>ARTIFACTSTORE_STORE__S3__BUCKET</c>) finds the same setting. Each backend
/// says which keys it reads (<see cref="IStoreBackend.Settings"/>) and checks their values.
/// </summary>
public sealed class StoreBackendSettings
{
    private readonly Dictionary<string, string> _values;

    public StoreBackendSettings(IEnumerable<KeyValuePair<string, string>> values)
    {
        _values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in values)
        {
            _values[key] = value;
        }
    }

    /// <summary>No settings (the embedded backend needs none).</summary>
    public static StoreBackendSettings Empty { get; } = new([]);

    /// <summary>The keys given, as spelled by their source.</summary>
    public IEnumerable<string> Keys => _values.Keys;

    /// <summary>The value of <paramref name="key"/>, or null when it is not set (an empty value counts as not set).</summary>
    public string? this[string key] => _values.TryGetValue(key, out var value) && value.Length > 0 ? value : null;
}
