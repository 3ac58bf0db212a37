namespace ArtifactStore.Core.Storage;

/// <summary>
/// Marks an adapter assembly's <see cref="IStoreBackend"/> (a public type with a public
/// constructor that takes the backend's <see cref="StoreBackendSettings"/>), so that the server can load a backend by its configured name without naming any
/// type of the adapter.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class StoreBackendAttribute(Type backendType) : Attribute
{
    public Type BackendType { get; } = backendType;
}
