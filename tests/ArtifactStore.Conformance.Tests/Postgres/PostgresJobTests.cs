using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Postgres;

public sealed class PostgresJobTests(PostgresBackendFixture fixture) : JobContract(fixture), IClassFixture<PostgresBackendFixture>;
