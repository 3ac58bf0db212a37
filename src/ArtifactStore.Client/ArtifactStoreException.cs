namespace ArtifactStore.Client;

/// <summary>The server answered with a problem document: its HTTP status and stable error code.</summary>
public sealed class ArtifactStoreException : Exception
{
    public ArtifactStoreException(int status, string code, string detail)
        : base($"{status} {code}: {detail}")
    {
        Status = status;
        Code = code;
        Detail = detail;
    }

    public ArtifactStoreException()
    {
        Code = "unknown";
    }

    public ArtifactStoreException(string message)
        : base(message)
    {
        Code = "unknown";
    }

    public ArtifactStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = "unknown";
    }

    public int Status { get; }

    public string Code { get; }

    /// <summary>The problem's detail, without the status and code <see cref="Exception.Message"/> carries.</summary>
    public string Detail { get; } = string.Empty;
}
