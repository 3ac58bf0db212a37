namespace ArtifactStore.Core.Blobs;

/// <summary>
/// Thrown by <see cref="VerifyingReadStream"/> when the bytes read do not hash to the blob's
/// address. A host that has already started a response must abort it rather than complete it.
/// </summary>
public sealed class BlobCorruptException : IOException
{
    public BlobCorruptException()
    {
    }

    public BlobCorruptException(string message)
        : base(message)
    {
    }

    public BlobCorruptException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
