using ArtifactStore.Core.Verification;

namespace ArtifactStore.Server.Operations;

/// <summary>What <c>fsck --repair</c> found, did, and could not fix.</summary>
/// <param name="Before">The check before any repair.</param>
/// <param name="Actions">The repairs made, in order.</param>
/// <param name="After">The check after the repairs.</param>
/// <param name="CannotFix">The damage left, each with what the operator can do.</param>
public sealed record RepairOutcome(FsckReport Before, IReadOnlyList<string> Actions, FsckReport After, IReadOnlyList<string> CannotFix);
