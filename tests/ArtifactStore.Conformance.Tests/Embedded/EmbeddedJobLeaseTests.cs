using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Embedded;

public sealed class EmbeddedJobLeaseTests(EmbeddedBackendFixture fixture) : JobLeaseContract(fixture), IClassFixture<EmbeddedBackendFixture>;
