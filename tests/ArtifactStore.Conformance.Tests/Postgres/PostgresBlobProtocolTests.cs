using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Postgres;

public sealed class PostgresBlobProtocolTests(PostgresBackendFixture fixture) : BlobProtocolContract(fixture), IClassFixture<PostgresBackendFixture>;
