using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.PostgresS3;

public sealed class PostgresS3MaintenanceLeaseTests(PostgresS3BackendFixture fixture) : MaintenanceLeaseContract(fixture), IClassFixture<PostgresS3BackendFixture>;
