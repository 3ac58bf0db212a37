using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.PostgresS3;

public sealed class PostgresS3GcProtocolTests(PostgresS3BackendFixture fixture) : GcProtocolContract(fixture), IClassFixture<PostgresS3BackendFixture>;
