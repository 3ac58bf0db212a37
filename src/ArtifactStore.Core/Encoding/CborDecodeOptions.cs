namespace ArtifactStore.Core.Encoding;

/// <summary>How strictly <see cref="Cbor.Decode(ReadOnlySpan{byte}, CborDecodeOptions?)"/> reads its input.</summary>
public sealed class CborDecodeOptions
{
    /// <summary>Accepts any well-formed CBOR.</summary>
    public static CborDecodeOptions Default { get; } = new();

    /// <summary>Accepts only the RFC 8949 §4.2.1 core deterministic encoding.</summary>
    public static CborDecodeOptions Canonical { get; } = new() { RequireDeterministic = true };

    /// <summary>
    /// Rejects anything an encoder following RFC 8949 §4.2.1 would not have produced: longer than
    /// needed arguments, indefinite lengths, unsorted map keys, non-preferred floats and bignums.
    /// </summary>
    public bool RequireDeterministic { get; init; }

    /// <summary>The deepest nesting accepted, so hostile input cannot exhaust the stack.</summary>
    public int MaxDepth { get; init; } = 256;
}
