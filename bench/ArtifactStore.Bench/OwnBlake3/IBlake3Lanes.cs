namespace ArtifactStore.Bench.OwnBlake3;

/// <summary>
/// The vector operations the generic BLAKE3 kernel needs, one implementation per vector width.
/// Implemented by structs with static members so the JIT specialises and inlines each width.
/// </summary>
internal unsafe interface IBlake3Lanes<TVector>
    where TVector : unmanaged
{
    /// <summary>How many inputs one vector holds, one per 32-bit lane.</summary>
    static abstract int Lanes { get; }

    /// <summary>Whether this width runs in hardware here.</summary>
    static abstract bool IsSupported { get; }

    static abstract TVector Broadcast(uint value);

    static abstract TVector Load(uint* source);

    static abstract void Store(TVector value, uint* destination);

    static abstract TVector Add(TVector left, TVector right);

    static abstract TVector Xor(TVector left, TVector right);

    static abstract TVector RotateRight16(TVector value);

    static abstract TVector RotateRight12(TVector value);

    static abstract TVector RotateRight8(TVector value);

    static abstract TVector RotateRight7(TVector value);

    /// <summary>
    /// Loads one 64-byte block from each of <see cref="Lanes"/> inputs spaced <paramref name="stride"/>
    /// bytes apart, transposed so that <paramref name="words"/>[i] holds word i of every input.
    /// </summary>
    static abstract void LoadTransposed(byte* block, int stride, TVector* words);
}
