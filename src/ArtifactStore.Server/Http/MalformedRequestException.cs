using ArtifactStore.Core.Errors;

namespace ArtifactStore.Server.Http;

/// <summary>
/// The request itself could not be read (its framing, not its meaning). Thrown from inside a stream the
/// store reads on the client's behalf, so that a failure of the client's bytes is never mistaken for a
/// failure of the disk on the way out (both would otherwise be an <see cref="IOException"/>).
/// </summary>
public sealed class MalformedRequestException : Exception
{
    public MalformedRequestException(StoreError error, Exception? inner = null)
        : base(error.Message, inner)
    {
        Error = error;
    }

    public MalformedRequestException()
        : this(new StoreError(ErrorCodes.MalformedRequest, "the request could not be read"))
    {
    }

    public MalformedRequestException(string message)
        : this(new StoreError(ErrorCodes.MalformedRequest, message))
    {
    }

    public MalformedRequestException(string message, Exception inner)
        : this(new StoreError(ErrorCodes.MalformedRequest, message), inner)
    {
    }

    public StoreError Error { get; }
}
