namespace ArtifactStore.Core.Encoding;

/// <summary>Input is not well-formed CBOR, or not in the form the decode options demand.</summary>
public sealed class CborFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public CborFormatException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public CborFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public CborFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a problem found at byte <paramref name="offset"/>.</summary>
    public CborFormatException(string message, int offset, Exception? innerException = null)
        : base($"{message} (at offset {offset})", innerException)
    {
        Offset = offset;
    }

    /// <summary>The byte offset in the input where the problem was found, or -1 if unknown.</summary>
    public int Offset { get; } = -1;
}
