using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Embedded;

public sealed class EmbeddedJobTests(EmbeddedBackendFixture fixture) : JobContract(fixture), IClassFixture<EmbeddedBackendFixture>;
