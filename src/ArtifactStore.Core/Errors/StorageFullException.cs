namespace ArtifactStore.Core.Errors;

/// <summary>
/// The storage under the store has no room left (a full filesystem or an exhausted quota). Adapters
/// raise it in place of their own form of the condition (SQLite's <c>SQLITE_FULL</c>, for example),
/// so that hosts recognise one type (<see cref="StorageFull"/>) and answer it one way. The operation
/// that fails with it wrote nothing.
/// </summary>
public sealed class StorageFullException : IOException
{
    public StorageFullException()
        : this(StorageFull.Message)
    {
    }

    public StorageFullException(string message)
        : base(message)
    {
    }

    public StorageFullException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
