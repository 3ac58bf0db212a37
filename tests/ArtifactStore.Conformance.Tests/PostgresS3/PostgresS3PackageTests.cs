using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.PostgresS3;

public sealed class PostgresS3PackageTests(PostgresS3BackendFixture fixture) : PackageContract(fixture), IClassFixture<PostgresS3BackendFixture>;
