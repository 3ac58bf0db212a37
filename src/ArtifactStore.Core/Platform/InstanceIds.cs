namespace ArtifactStore.Core.Platform;

/// <summary>
/// Names a holder of leases: the host, the process, the process space it runs in and a fresh id, so two
/// holders are never taken for one, and a process group number on a lease is only acted on where it means
/// the same group (<see cref="SharesProcessSpace"/>).
/// </summary>
internal static class InstanceIds
{
    public static string New() =>
        $"{Environment.MachineName[..Math.Min(60, Environment.MachineName.Length)]}:{Environment.ProcessId}:{ProcessGroups.Space}:{Guid.NewGuid():N}";

    /// <summary>
    /// Whether the holder named <paramref name="owner"/> ran in this process's process space (same boot of
    /// the same kernel, same pid namespace), where its process group numbers name the same groups. A replica
    /// on another machine or in another container does not, and neither does a name of another form.
    /// </summary>
    public static bool SharesProcessSpace(string owner) =>
        owner.Split(':') is { Length: 4 } parts && parts[2] == ProcessGroups.Space;
}
