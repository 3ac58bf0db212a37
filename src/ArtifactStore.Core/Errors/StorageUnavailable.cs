namespace ArtifactStore.Core.Errors;

/// <summary>
/// The one definition of "the storage under the store did not answer": an object store or a database
/// server that is down, refuses, or times out. Adapters raise <see cref="StorageUnavailableException"/> for it; hosts ask
/// <see cref="IsCause"/> about any failure and answer <see cref="Error"/> (HTTP 503
/// <c>storage_unavailable</c>) instead of a 500. The operation that fails with it recorded nothing.
/// </summary>
public static class StorageUnavailable
{
    public const string Message = "the store's storage did not answer (it is down, unreachable or timing out); nothing was recorded. Retry later";

    /// <summary>The error every host answers an unavailable storage with.</summary>
    public static StoreError Error { get; } = new(ErrorCodes.StorageUnavailable, Message);

    /// <summary>Whether <paramref name="failure"/>, or any failure it wraps, is a <see cref="StorageUnavailableException"/>.</summary>
    public static bool IsCause(Exception failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is StorageUnavailableException)
            {
                return true;
            }

            // A database server that went away, refused the connection or timed out: the driver says the
            // failure is transient, which is what "did not answer" means. No driver is named here.
            if (e is System.Data.Common.DbException { IsTransient: true })
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
