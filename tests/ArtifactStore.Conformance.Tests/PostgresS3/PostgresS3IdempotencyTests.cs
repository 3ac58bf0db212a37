using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.PostgresS3;

public sealed class PostgresS3IdempotencyTests(PostgresS3BackendFixture fixture) : IdempotencyContract(fixture), IClassFixture<PostgresS3BackendFixture>;
