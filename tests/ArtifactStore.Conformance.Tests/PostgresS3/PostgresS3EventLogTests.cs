using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.PostgresS3;

public sealed class PostgresS3EventLogTests(PostgresS3BackendFixture fixture) : EventLogContract(fixture), IClassFixture<PostgresS3BackendFixture>;
