using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.PostgresS3;

public sealed class PostgresS3InlineBlobTests(PostgresS3BackendFixture fixture) : InlineBlobContract(fixture), IClassFixture<PostgresS3BackendFixture>;
