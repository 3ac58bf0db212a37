using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.PostgresS3;

public sealed class PostgresS3TokenLookupTests(PostgresS3BackendFixture fixture) : TokenLookupContract(fixture), IClassFixture<PostgresS3BackendFixture>;
