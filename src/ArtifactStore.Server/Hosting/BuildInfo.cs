using System.Reflection;

namespace ArtifactStore.Server.Hosting;

/// <summary>What this build is: its version and the git revision it was built from (stamped at build time).</summary>
public static class BuildInfo
{
    public static string Version { get; } =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>The git commit, or <c>unknown</c> when built outside a repository.</summary>
    public static string Revision { get; } = Version.Contains('+', StringComparison.Ordinal) ? Version[(Version.IndexOf('+', StringComparison.Ordinal) + 1)..] : "unknown";
}
