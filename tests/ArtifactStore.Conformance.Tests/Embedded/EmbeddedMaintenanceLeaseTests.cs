using ArtifactStore.Conformance.Tests.Contracts;

namespace ArtifactStore.Conformance.Tests.Embedded;

public sealed class EmbeddedMaintenanceLeaseTests(EmbeddedBackendFixture fixture) : MaintenanceLeaseContract(fixture), IClassFixture<EmbeddedBackendFixture>;
