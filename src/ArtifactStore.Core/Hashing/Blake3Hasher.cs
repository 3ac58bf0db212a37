namespace ArtifactStore.Core.Hashing;

/// <summary>
/// Incremental BLAKE3 (hash, keyed hash, key derivation, extendable output) over the managed SIMD
/// <see cref="Blake3.Hasher"/> of the Blake3 package, so callers name one type of ours and the
/// library can be swapped in one place. Not thread-safe; one instance per stream. Dispose it to
/// hand the library's buffers back to its pool.
/// </summary>
public sealed class Blake3Hasher : IDisposable
{
    /// <summary>The default output length in bytes.</summary>
    public const int HashSizeInBytes = 32;

    /// <summary>The key length for <see cref="CreateKeyed(ReadOnlySpan{byte})"/>.</summary>
    public const int KeySizeInBytes = 32;

    // The library's hasher is a struct whose methods mutate it: a readonly field would make every
    // call work on a defensive copy, so the analyzer's advice to add readonly does not apply.
#pragma warning disable IDE0044
    private Blake3.Hasher _hasher;
#pragma warning restore IDE0044

    private Blake3Hasher(Blake3.Hasher hasher) => _hasher = hasher;

    /// <summary>A hasher for plain BLAKE3 hashing.</summary>
    public static Blake3Hasher Create() => new(Blake3.Hasher.New());

    /// <summary>A hasher for BLAKE3's keyed mode (a MAC / PRF).</summary>
    /// <exception cref="ArgumentException"><paramref name="key32"/> is not exactly 32 bytes.</exception>
    public static Blake3Hasher CreateKeyed(ReadOnlySpan<byte> key32)
    {
        if (key32.Length != KeySizeInBytes)
        {
            throw new ArgumentException($"A BLAKE3 key is {KeySizeInBytes} bytes, not {key32.Length}.", nameof(key32));
        }

        return new(Blake3.Hasher.NewKeyed(key32));
    }

    /// <summary>
    /// A hasher for BLAKE3's key derivation mode: the input fed to it is the key material, and
    /// <paramref name="context"/> should be a hard-coded, globally unique, application-specific string.
    /// </summary>
    public static Blake3Hasher CreateDeriveKey(string context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new(Blake3.Hasher.NewDeriveKey(context));
    }

    /// <summary>The 32-byte BLAKE3 hash of <paramref name="data"/>.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> data)
    {
        var hash = new byte[HashSizeInBytes];
        Blake3.Hasher.Hash(data, hash);
        return hash;
    }

    /// <summary>Writes the BLAKE3 hash of <paramref name="data"/> into <paramref name="output"/> (its length is the output length).</summary>
    public static void Hash(ReadOnlySpan<byte> data, Span<byte> output) => Blake3.Hasher.Hash(data, output);

    /// <summary>Adds <paramref name="data"/> to the input.</summary>
    public void Update(ReadOnlySpan<byte> data) => _hasher.Update(data);

    /// <summary>
    /// Writes the first <c>output.Length</c> bytes of the extendable output. Does not change the
    /// hasher: it may be called again, and more input may be added after it.
    /// </summary>
    public void Finalize(Span<byte> output) => _hasher.Finalize(output);

    /// <summary>The 32-byte hash of the input so far; the hasher is left unchanged.</summary>
    public byte[] Finalize()
    {
        var hash = new byte[HashSizeInBytes];
        Finalize(hash);
        return hash;
    }

    /// <summary>Forgets all input, keeping the mode and key.</summary>
    public void Reset() => _hasher.Reset();

    /// <summary>Clears the state, key included; the hasher cannot be used afterwards.</summary>
    public void Dispose() => _hasher.Dispose();
}
