namespace ArtifactStore.Core.Errors;

/// <summary>Why a backup, restore or copy-store was refused or failed (reported by the CLI, never over HTTP).</summary>
public static class OperationErrorCodes
{
    public const string TargetNotUsable = "target_not_usable";
    public const string BackupFailed = "backup_failed";
    public const string BackupInvalid = "backup_invalid";
    public const string RestoreFailed = "restore_failed";

    /// <summary>copy-store: the target holds a store that is not an interrupted copy of this source.</summary>
    public const string TargetNotEmpty = "target_not_empty";

    /// <summary>copy-store: the source does not verify, or the copy did not.</summary>
    public const string CopyFailed = "copy_failed";
}
