namespace ArtifactStore.Postgres;

/// <summary>
/// The advisory locks the adapter takes (two-key form: a namespace and a key). Advisory locks are per
/// database, so stores in different databases of one server never meet.
/// </summary>
internal static class PostgresLocks
{
    /// <summary>The namespace of the store-wide locks below ("ASTO").</summary>
    public const int Store = 0x4153544F;

    /// <summary>Held by every unit-of-work transaction for its whole length (docs/events.md): appends are serialized across processes.</summary>
    public const int Head = 1;

    /// <summary>Held while a schema script runs, so that replicas starting together migrate once.</summary>
    public const int Schema = 2;

    /// <summary>
    /// The namespace of presence locks ("ASPR"): each open database holds one session lock under a key of its own for
    /// as long as it runs; the server drops it when the session ends, also when the process dies.
    /// </summary>
    public const int Presence = 0x41535052;
}
