namespace ArtifactStore.Core.Errors;

/// <summary>
/// The one definition of "the disk is full": what counts as the condition, whichever layer met it,
/// and the error it becomes. Hosts ask <see cref="IsCause"/> about any failure and answer
/// <see cref="Error"/> (HTTP 507 <c>insufficient_storage</c>, a CLI exit code) instead of a crash or a 500.
/// </summary>
public static class StorageFull
{
    public const string Message = "the store is out of disk space (its filesystem is full or its quota is used up); nothing was written. Free space on the data root's filesystem and retry";

    // errno values (Linux) for "no space left on device" and "disk quota exceeded".
    private const int Enospc = 28;
    private const int Edquot = 122;

    // Windows: ERROR_HANDLE_DISK_FULL and ERROR_DISK_FULL, as HRESULTs.
    private const int HandleDiskFull = unchecked((int)0x80070027);
    private const int DiskFull = unchecked((int)0x80070070);

    /// <summary>The error every host answers a storage-full failure with.</summary>
    public static StoreError Error { get; } = new(ErrorCodes.InsufficientStorage, Message);

    /// <summary>Whether an operating-system error number means the storage is full.</summary>
    public static bool IsErrno(int errno) => errno is Enospc or Edquot;

    /// <summary>
    /// Whether <paramref name="failure"/>, or any failure it wraps, is the storage running out of space:
    /// a <see cref="StorageFullException"/> from an adapter, or an <see cref="IOException"/> that the
    /// operating system raised for a full filesystem or quota.
    /// </summary>
    public static bool IsCause(Exception failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is StorageFullException || (e is IOException io && (IsErrno(io.HResult) || io.HResult is HandleDiskFull or DiskFull)))
            {
                return true;
            }

            if (e is AggregateException aggregate && aggregate.InnerExceptions.Any(IsCause))
            {
                return true;
            }
        }

        return false;
    }
}
