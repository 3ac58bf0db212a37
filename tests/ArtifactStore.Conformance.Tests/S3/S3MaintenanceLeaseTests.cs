using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.S3;

public sealed class S3MaintenanceLeaseTests(S3BackendFixture fixture) : MaintenanceLeaseContract(fixture), IClassFixture<S3BackendFixture>;
