using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Postgres;

public sealed class PostgresPackageTests(PostgresBackendFixture fixture) : PackageContract(fixture), IClassFixture<PostgresBackendFixture>;
