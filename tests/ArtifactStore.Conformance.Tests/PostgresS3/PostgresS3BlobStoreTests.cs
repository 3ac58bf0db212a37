using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.PostgresS3;

public sealed class PostgresS3BlobStoreTests(PostgresS3BackendFixture fixture) : BlobStoreContract(fixture), IClassFixture<PostgresS3BackendFixture>;
