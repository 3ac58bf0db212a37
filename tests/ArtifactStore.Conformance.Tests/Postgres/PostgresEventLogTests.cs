using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Postgres;

public sealed class PostgresEventLogTests(PostgresBackendFixture fixture) : EventLogContract(fixture), IClassFixture<PostgresBackendFixture>;
