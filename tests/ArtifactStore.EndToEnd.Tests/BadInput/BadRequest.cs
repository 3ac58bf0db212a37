namespace ArtifactStore.EndToEnd.Tests.BadInput;

/// <summary>One generated request: what it tries, the exact bytes to send, and what the suite holds the answer to.</summary>
internal sealed record BadRequest(string Case, string Method, string Target, byte[]? Body = null, bool Chunked = false, Expect Expect = Expect.Refused)
{
    public IReadOnlyList<(string Name, string Value)> Headers { get; init; } = [];

    public BadRequest WithHeader(string name, string value) => this with { Headers = [.. Headers, (name, value)] };

    public override string ToString() => $"{Case}: {Method} {(Target.Length > 120 ? Target[..120] + "…" : Target)}";
}

/// <summary>What the suite asserts about a generated request's answer.</summary>
internal enum Expect
{
    /// <summary>A 4xx problem document with a <c>code</c>; no event written, tmp/ empty.</summary>
    Refused,

    /// <summary>
    /// A request that may be valid (a random path): never a 5xx, an error is a problem document, and
    /// only a 2xx may write.
    /// </summary>
    Tolerated,

    /// <summary>Kestrel rejects the request line before the app runs: a bare 400 (docs/api.md, "Errors").</summary>
    KestrelRejects,
}
