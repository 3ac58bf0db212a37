using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Postgres;

public sealed class PostgresMaintenanceLeaseTests(PostgresBackendFixture fixture) : MaintenanceLeaseContract(fixture), IClassFixture<PostgresBackendFixture>;
