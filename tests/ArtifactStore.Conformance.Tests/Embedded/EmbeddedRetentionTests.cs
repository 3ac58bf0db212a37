using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Embedded;

public sealed class EmbeddedRetentionTests(EmbeddedBackendFixture fixture) : RetentionContract(fixture), IClassFixture<EmbeddedBackendFixture>;
