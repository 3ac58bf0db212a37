namespace ArtifactStore.Cli.Commands;

/// <summary>Exit codes of the artifactstore command, stable for scripts.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int InvalidConfiguration = 2;
    public const int RootUnavailable = 3;
}
