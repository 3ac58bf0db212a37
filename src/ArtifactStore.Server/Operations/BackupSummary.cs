using ArtifactStore.Core.Verification;

namespace ArtifactStore.Server.Operations;

/// <summary>What a backup wrote and how its verification went.</summary>
public sealed record BackupSummary(string Destination, BackupManifest Manifest, TimeSpan Elapsed, FsckReport Verification);
