using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Embedded;

public sealed class EmbeddedBlobStoreTests(EmbeddedBackendFixture fixture) : BlobStoreContract(fixture), IClassFixture<EmbeddedBackendFixture>;
