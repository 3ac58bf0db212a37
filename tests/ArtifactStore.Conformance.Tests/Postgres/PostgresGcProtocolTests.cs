using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Postgres;

public sealed class PostgresGcProtocolTests(PostgresBackendFixture fixture) : GcProtocolContract(fixture), IClassFixture<PostgresBackendFixture>;
