using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Postgres;

public sealed class PostgresInlineBlobTests(PostgresBackendFixture fixture) : InlineBlobContract(fixture), IClassFixture<PostgresBackendFixture>;
