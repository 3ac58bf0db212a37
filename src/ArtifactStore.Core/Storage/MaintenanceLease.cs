namespace ArtifactStore.Core.Storage;

/// <summary>
/// The claim of one process on a store-wide task (<see cref="Gc"/>, <see cref="RetentionSweep"/>) until
/// <paramref name="ExpiresAt"/>, kept in the database so that processes sharing it never run the task at
/// once. Operational state, not an event. The holder renews it while the task runs and drops it after.
/// </summary>
public sealed record MaintenanceLease(string Name, string Holder, DateTimeOffset ExpiresAt)
{
    public const string Gc = "gc";
    public const string RetentionSweep = "retention_sweep";

    /// <summary>A lease nobody renewed up to <paramref name="now"/> binds no one: another process may take it.</summary>
    public bool HasExpired(DateTimeOffset now) => ExpiresAt <= now;
}
