using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Postgres;

public sealed class PostgresTokenLookupTests(PostgresBackendFixture fixture) : TokenLookupContract(fixture), IClassFixture<PostgresBackendFixture>;
