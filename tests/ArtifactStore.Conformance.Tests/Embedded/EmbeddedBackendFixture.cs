using ArtifactStore.Conformance.Tests.Backends;

namespace ArtifactStore.Conformance.Tests.Embedded;

/// <summary>The embedded backend (SQLite database, filesystem blobs) on a data root in a temporary directory.</summary>
public sealed class EmbeddedBackendFixture : StoreBackendFixture
{
    public override string Name => "embedded";

    public override async Task<TestBackend> OpenAsync(string directory, TimeProvider time, CancellationToken cancellationToken) =>
        new EmbeddedBackend(await EmbeddedStore.OpenAsync(directory, time));
}
