using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Embedded;

public sealed class EmbeddedIdempotencyTests(EmbeddedBackendFixture fixture) : IdempotencyContract(fixture), IClassFixture<EmbeddedBackendFixture>;
