namespace ArtifactStore.Core.Errors;

/// <summary>Why a backup or restore was refused or failed (reported by the CLI, never over HTTP).</summary>
public static class OperationErrorCodes
{
    public const string TargetNotUsable = "target_not_usable";
    public const string BackupFailed = "backup_failed";
    public const string BackupInvalid = "backup_invalid";
    public const string RestoreFailed = "restore_failed";
}
