namespace ArtifactStore.Core.Encoding;

/// <summary>
/// A tagged CBOR item (major type 6). Tags 2 and 3 over a byte string are decoded as
/// <see cref="CborInteger"/> instead, because that is the value they stand for.
/// </summary>
public sealed class CborTag : CborValue
{
    /// <summary>Creates tag <paramref name="tag"/> around <paramref name="content"/>.</summary>
    public CborTag(ulong tag, CborValue content)
    {
        ArgumentNullException.ThrowIfNull(content);
        Tag = tag;
        Content = content;
    }

    /// <summary>The tag number.</summary>
    public ulong Tag { get; }

    /// <summary>The tagged item.</summary>
    public CborValue Content { get; }

    /// <inheritdoc />
    public override bool Equals(CborValue? other) =>
        other is CborTag t && t.Tag == Tag && t.Content.Equals(Content);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(6, Tag, Content);
}
