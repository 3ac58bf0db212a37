using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.PostgresS3;

public sealed class PostgresS3BlobProtocolTests(PostgresS3BackendFixture fixture) : BlobProtocolContract(fixture), IClassFixture<PostgresS3BackendFixture>;
