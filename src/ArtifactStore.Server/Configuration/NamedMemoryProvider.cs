using Microsoft.Extensions.Configuration;

namespace ArtifactStore.Server.Configuration;

/// <summary>An in-memory configuration source that knows what to call itself in <c>config show</c>.</summary>
internal sealed class NamedMemoryProvider(string sourceName, IDictionary<string, string?> values) : ConfigurationProvider, IConfigurationSource
{
    public string SourceName { get; } = sourceName;

    public override void Load() =>
        Data = new Dictionary<string, string?>(values, StringComparer.OrdinalIgnoreCase);

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;
}
