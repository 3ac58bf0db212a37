using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.PostgresS3;

public sealed class PostgresS3JobTests(PostgresS3BackendFixture fixture) : JobContract(fixture), IClassFixture<PostgresS3BackendFixture>;
