using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.PostgresS3;

public sealed class PostgresS3JobLogTests(PostgresS3BackendFixture fixture) : JobLogContract(fixture), IClassFixture<PostgresS3BackendFixture>;
