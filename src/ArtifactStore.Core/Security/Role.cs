namespace ArtifactStore.Core.Security;

/// <summary>
/// What a token may do (docs/security.md). Roles are cumulative: each includes everything of the ones below it.
/// </summary>
public enum Role
{
    /// <summary>Read packages, files, blobs, retention state and the event log.</summary>
    Reader = 1,

    /// <summary>Also create packages and submit jobs.</summary>
    Writer = 2,

    /// <summary>Also extend, hold, release, pin, unpin, sweep and collect garbage.</summary>
    Operator = 3,

    /// <summary>Also manage tokens.</summary>
    Admin = 4,
}
