using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace ArtifactStore.Core.Encoding;

/// <summary>
/// A CBOR map (major type 5). Entries keep the order they were added in (the encoder sorts them,
/// so callers need not); equality and lookup go by key. Keys are unique: adding one twice throws.
/// </summary>
[SuppressMessage("Naming", "CA1710:Identifiers should have correct suffix", Justification = "Named after the CBOR major type it models.")]
public sealed class CborMap : CborValue, IReadOnlyCollection<KeyValuePair<CborValue, CborValue>>
{
    private readonly List<KeyValuePair<CborValue, CborValue>> _entries = [];
    private readonly Dictionary<CborValue, int> _index = [];

    /// <summary>Creates an empty map, ready for a collection initializer.</summary>
    public CborMap()
    {
    }

    /// <summary>Creates a map from <paramref name="entries"/>; a repeated key throws <see cref="ArgumentException"/>.</summary>
    public CborMap(IEnumerable<KeyValuePair<CborValue, CborValue>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var entry in entries)
        {
            Add(entry.Key, entry.Value);
        }
    }

    /// <summary>The number of entries.</summary>
    public int Count => _entries.Count;

    /// <summary>The keys, in insertion order.</summary>
    public IEnumerable<CborValue> Keys => _entries.Select(e => e.Key);

    /// <summary>The value stored under <paramref name="key"/>; throws <see cref="KeyNotFoundException"/> if absent.</summary>
    public CborValue this[CborValue key] =>
        TryGet(key, out var value) ? value : throw new KeyNotFoundException($"CBOR map has no key {key}.");

    /// <summary>Adds an entry; a duplicate key is a programming error and throws <see cref="ArgumentException"/>.</summary>
    public void Add(CborValue key, CborValue value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (!_index.TryAdd(key, _entries.Count))
        {
            throw new ArgumentException($"Duplicate CBOR map key {key}.", nameof(key));
        }

        _entries.Add(new KeyValuePair<CborValue, CborValue>(key, value));
    }

    /// <summary>Adds an entry under a text key.</summary>
    public void Add(string key, CborValue value) => Add(new CborTextString(key), value);

    /// <summary>Looks up <paramref name="key"/>.</summary>
    public bool TryGet(CborValue key, [MaybeNullWhen(false)] out CborValue value)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_index.TryGetValue(key, out var position))
        {
            value = _entries[position].Value;
            return true;
        }

        value = null;
        return false;
    }

    /// <summary>Whether the map has <paramref name="key"/>.</summary>
    public bool ContainsKey(CborValue key) => TryGet(key, out _);

    /// <summary>The text string under <paramref name="key"/>.</summary>
    public string GetText(string key) => Get<CborTextString>(key).Value;

    /// <summary>The integer under <paramref name="key"/>; throws <see cref="OverflowException"/> beyond 64 bits.</summary>
    public long GetInt64(string key) => Get<CborInteger>(key).ToInt64();

    /// <summary>A copy of the byte string under <paramref name="key"/>.</summary>
    public byte[] GetBytes(string key) => Get<CborByteString>(key).ToArray();

    /// <summary>The boolean under <paramref name="key"/>.</summary>
    public bool GetBoolean(string key) => Get<CborBoolean>(key).Value;

    /// <summary>The map under <paramref name="key"/>.</summary>
    public CborMap GetMap(string key) => Get<CborMap>(key);

    /// <summary>The array under <paramref name="key"/>.</summary>
    public CborArray GetArray(string key) => Get<CborArray>(key);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<CborValue, CborValue>> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Maps are equal when they hold the same keys with equal values, whatever the order.</summary>
    public override bool Equals(CborValue? other)
    {
        if (other is not CborMap map || map.Count != Count)
        {
            return false;
        }

        foreach (var (key, value) in _entries)
        {
            if (!map.TryGet(key, out var otherValue) || !otherValue.Equals(value))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Order-independent, to agree with <see cref="Equals(CborValue?)"/>.</summary>
    public override int GetHashCode()
    {
        var sum = 5;
        foreach (var (key, value) in _entries)
        {
            sum = unchecked(sum + HashCode.Combine(key, value));
        }

        return sum;
    }

    private T Get<T>(string key)
        where T : CborValue
    {
        var value = this[new CborTextString(key)];
        return value as T
            ?? throw new InvalidCastException($"CBOR map entry \"{key}\" is {value.GetType().Name}, not {typeof(T).Name}.");
    }
}
