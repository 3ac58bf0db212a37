using System.Reflection;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Storage;

namespace ArtifactStore.Server.Hosting;

/// <summary>
/// Picks the storage backend named by <c>Store:Backend</c>. Each backend lives in an adapter assembly
/// that marks its <see cref="IStoreBackend"/> with <see cref="StoreBackendAttribute"/>; the assembly is
/// loaded by name, so nothing outside an adapter names one of its types (README, "Architecture";
/// a test checks that the server and the CLI do not reference an adapter assembly).
/// </summary>
public static class StoreBackends
{
    /// <summary>Configuration name → the adapter assembly that carries it.</summary>
    private static readonly Dictionary<string, string> Assemblies = new(StringComparer.Ordinal)
    {
        ["embedded"] = "ArtifactStore.Embedded",
        ["scale-out"] = "ArtifactStore.ScaleOut",
    };

    /// <summary>The names <c>Store:Backend</c> accepts.</summary>
    public static IReadOnlyCollection<string> Names => Assemblies.Keys;

    /// <summary>Why <paramref name="name"/> names no backend, or null (checked with the rest of the configuration).</summary>
    public static string? Check(string name) => Assemblies.ContainsKey(name)
        ? null
        : $"{Configuration.ConfigurationKeys.StoreBackend}: '{name}' is not a storage backend (known: {string.Join(", ", Names.Order(StringComparer.Ordinal))})";

    /// <summary>The backend the options name, with its settings (<c>Store:*</c>).</summary>
    public static IStoreBackend Find(StoreOptions options) => Find(options.Backend, options.BackendSettings);

    /// <summary>
    /// The backend called <paramref name="name"/>, constructed with <paramref name="settings"/> (none for a
    /// backend found by a backup's manifest); the name was checked with <see cref="Check"/>.
    /// </summary>
    public static IStoreBackend Find(string name, StoreBackendSettings? settings = null)
    {
        var assemblyName = Assemblies.TryGetValue(name, out var found) ? found : throw new ArgumentException(Check(name), nameof(name));

        var assembly = Assembly.Load(new AssemblyName(assemblyName));
        var marked = assembly.GetCustomAttribute<StoreBackendAttribute>()
            ?? throw new InvalidOperationException($"{assemblyName} does not mark a storage backend");
        var backend = (IStoreBackend)Activator.CreateInstance(marked.BackendType, settings ?? StoreBackendSettings.Empty)!;
        return backend.Name == name ? backend : throw new InvalidOperationException($"{assemblyName} carries backend '{backend.Name}', not '{name}'");
    }
}
