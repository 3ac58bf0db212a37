using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Postgres;

public sealed class PostgresIdempotencyTests(PostgresBackendFixture fixture) : IdempotencyContract(fixture), IClassFixture<PostgresBackendFixture>;
