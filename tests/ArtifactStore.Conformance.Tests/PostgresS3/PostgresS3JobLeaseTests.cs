using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.PostgresS3;

public sealed class PostgresS3JobLeaseTests(PostgresS3BackendFixture fixture) : JobLeaseContract(fixture), IClassFixture<PostgresS3BackendFixture>;
