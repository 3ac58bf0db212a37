using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.S3;

public sealed class S3IdempotencyTests(S3BackendFixture fixture) : IdempotencyContract(fixture), IClassFixture<S3BackendFixture>;
