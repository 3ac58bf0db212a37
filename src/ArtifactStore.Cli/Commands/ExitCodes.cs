namespace ArtifactStore.Cli.Commands;

/// <summary>Exit codes of the artifactstore command, stable for scripts.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The command failed, or (fsck) found damage.</summary>
    public const int Failed = 1;
    public const int InvalidConfiguration = 2;
    public const int RootUnavailable = 3;

    /// <summary>fsck found no damage, only unreferenced data that GC (or fsck --repair) removes.</summary>
    public const int UnreferencedDataOnly = 4;

    /// <summary>The data root's filesystem is full (or its quota used up): what the command had to write was not written.</summary>
    public const int InsufficientStorage = 5;

    /// <summary>copy-store refused its target: it holds a store that is not an interrupted copy of the source.</summary>
    public const int TargetNotEmpty = 6;
}
