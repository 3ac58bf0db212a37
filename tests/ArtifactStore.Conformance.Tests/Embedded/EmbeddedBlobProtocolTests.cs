using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Embedded;

public sealed class EmbeddedBlobProtocolTests(EmbeddedBackendFixture fixture) : BlobProtocolContract(fixture), IClassFixture<EmbeddedBackendFixture>;
