namespace ArtifactStore.Core.Errors;

/// <summary>
/// The storage under the store failed to answer a request (an error status, a refused connection, a
/// time-out). Adapters raise it in place of their client library's own failures, so that hosts
/// recognise one type (<see cref="StorageUnavailable"/>). Whether the request took effect is unknown,
/// so the operation that fails with it must not be recorded as done.
/// </summary>
public sealed class StorageUnavailableException : IOException
{
    public StorageUnavailableException()
        : this(StorageUnavailable.Message)
    {
    }

    public StorageUnavailableException(string message)
        : base(message)
    {
    }

    public StorageUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
