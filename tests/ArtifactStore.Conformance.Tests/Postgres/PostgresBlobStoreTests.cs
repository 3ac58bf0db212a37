using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Postgres;

public sealed class PostgresBlobStoreTests(PostgresBackendFixture fixture) : BlobStoreContract(fixture), IClassFixture<PostgresBackendFixture>;
