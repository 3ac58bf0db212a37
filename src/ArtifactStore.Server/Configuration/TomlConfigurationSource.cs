using Microsoft.Extensions.Configuration;

namespace ArtifactStore.Server.Configuration;

/// <summary>A TOML configuration file, read by <see cref="TomlConfigurationProvider"/>.</summary>
internal sealed class TomlConfigurationSource : FileConfigurationSource
{
    public override IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        EnsureDefaults(builder);
        return new TomlConfigurationProvider(this);
    }
}
