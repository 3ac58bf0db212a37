using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Embedded;

public sealed class EmbeddedGcProtocolTests(EmbeddedBackendFixture fixture) : GcProtocolContract(fixture), IClassFixture<EmbeddedBackendFixture>;
