using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.PostgresS3;

public sealed class PostgresS3RetentionTests(PostgresS3BackendFixture fixture) : RetentionContract(fixture), IClassFixture<PostgresS3BackendFixture>;
