using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Postgres;

public sealed class PostgresJobLogTests(PostgresBackendFixture fixture) : JobLogContract(fixture), IClassFixture<PostgresBackendFixture>;
