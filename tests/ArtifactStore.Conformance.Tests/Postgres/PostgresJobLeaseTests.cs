using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Postgres;

public sealed class PostgresJobLeaseTests(PostgresBackendFixture fixture) : JobLeaseContract(fixture), IClassFixture<PostgresBackendFixture>;
