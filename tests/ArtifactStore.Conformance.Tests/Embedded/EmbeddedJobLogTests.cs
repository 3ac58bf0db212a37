using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Embedded;

public sealed class EmbeddedJobLogTests(EmbeddedBackendFixture fixture) : JobLogContract(fixture), IClassFixture<EmbeddedBackendFixture>;
