using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Postgres;

public sealed class PostgresOciViewTests(PostgresBackendFixture fixture) : OciViewContract(fixture), IClassFixture<PostgresBackendFixture>;
