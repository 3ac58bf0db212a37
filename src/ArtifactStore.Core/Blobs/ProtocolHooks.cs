namespace ArtifactStore.Core.Blobs;

/// <summary>
/// Test hooks at the step boundaries of the online GC protocol, so that a test can interleave an upload
/// with the reaper at each boundary deterministically. Production code passes none.
/// </summary>
public sealed class ProtocolHooks
{
    public const string UploadStaged = "upload.staged";
    public const string UploadPut = "upload.put";
    public const string UploadRefreshed = "upload.refreshed";
    public const string ReaperMarkedDeleting = "reaper.marked_deleting";
    public const string OrphanChecked = "orphan.checked";
    public const string ReaperBytesDeleted = "reaper.bytes_deleted";

    /// <summary>Called with the boundary reached and the blob it concerns (null for a whole upload); the step continues when the task completes.</summary>
    public Func<string, BlobDigest?, Task>? At { get; init; }

    public static Task ReachAsync(ProtocolHooks? hooks, string step, BlobDigest? blob = null) => hooks?.At?.Invoke(step, blob) ?? Task.CompletedTask;
}
