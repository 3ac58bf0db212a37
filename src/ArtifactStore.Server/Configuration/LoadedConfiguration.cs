using ArtifactStore.Core.Configuration;
using Microsoft.Extensions.Configuration;

namespace ArtifactStore.Server.Configuration;

/// <summary>The result of loading configuration: the options (when valid), every problem found, and where values came from.</summary>
public sealed record LoadedConfiguration(
    IConfigurationRoot Root,
    StoreOptions? Options,
    IReadOnlyList<string> Problems,
    string? ConfigFile,
    string Urls)
{
    public bool IsValid => Options is not null && Problems.Count == 0;

    /// <summary>Which source supplied <paramref name="key"/>: the highest-precedence provider that has it.</summary>
    public string SourceOf(string key)
    {
        foreach (var provider in Root.Providers.Reverse())
        {
            if (provider.TryGet(key, out _))
            {
                return Describe(provider);
            }
        }

        return "default";
    }

    private string Describe(IConfigurationProvider provider) => provider switch
    {
        FileConfigurationProvider => $"file {ConfigFile}",
        Microsoft.Extensions.Configuration.EnvironmentVariables.EnvironmentVariablesConfigurationProvider => "environment",
        NamedMemoryProvider named => named.SourceName,
        _ => provider.ToString() ?? "unknown",
    };
}
