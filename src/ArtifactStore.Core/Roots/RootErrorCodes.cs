namespace ArtifactStore.Core.Roots;

/// <summary>Why a data root could not be opened. Start-up failures, reported to the operator.</summary>
public static class RootErrorCodes
{
    public const string ProfileInvalid = "profile_invalid";
    public const string ProfileMismatch = "profile_mismatch";
    public const string RootInvalid = "root_invalid";
    public const string RootNested = "root_nested";
    public const string RootLocked = "root_locked";
    public const string LayoutTooNew = "layout_too_new";
    public const string LayoutTooOld = "layout_too_old";
    public const string LayoutNotMigrated = "layout_not_migrated";
    public const string NotARoot = "not_a_root";
    public const string SchemaTooNew = "schema_too_new";
}
