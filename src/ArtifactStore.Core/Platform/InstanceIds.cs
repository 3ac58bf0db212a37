namespace ArtifactStore.Core.Platform;

/// <summary>Names a holder of leases: the host, the process and a fresh id, so two holders are never taken for one.</summary>
internal static class InstanceIds
{
    public static string New() =>
        $"{Environment.MachineName[..Math.Min(60, Environment.MachineName.Length)]}:{Environment.ProcessId}:{Guid.NewGuid():N}";
}
