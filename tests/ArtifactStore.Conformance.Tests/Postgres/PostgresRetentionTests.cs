using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Postgres;

public sealed class PostgresRetentionTests(PostgresBackendFixture fixture) : RetentionContract(fixture), IClassFixture<PostgresBackendFixture>;
