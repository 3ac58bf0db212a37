using System.Collections;

namespace ArtifactStore.Core.Encoding;

/// <summary>A CBOR array (major type 4). Immutable once built.</summary>
public sealed class CborArray : CborValue, IReadOnlyList<CborValue>
{
    private readonly CborValue[] _items;

    /// <summary>Creates an array of <paramref name="items"/>.</summary>
    public CborArray(params CborValue[] items)
        : this((IEnumerable<CborValue>)items)
    {
    }

    /// <summary>Creates an array of <paramref name="items"/>.</summary>
    public CborArray(IEnumerable<CborValue> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        _items = items.ToArray();
        foreach (var item in _items)
        {
            ArgumentNullException.ThrowIfNull(item, nameof(items));
        }
    }

    /// <summary>The number of items.</summary>
    public int Count => _items.Length;

    /// <summary>The item at <paramref name="index"/>.</summary>
    public CborValue this[int index] => _items[index];

    /// <inheritdoc />
    public IEnumerator<CborValue> GetEnumerator() => ((IEnumerable<CborValue>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public override bool Equals(CborValue? other) =>
        other is CborArray a && a._items.AsSpan().SequenceEqual(_items);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.Add(4);
        foreach (var item in _items)
        {
            hash.Add(item);
        }

        return hash.ToHashCode();
    }
}
