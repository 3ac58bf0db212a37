namespace ArtifactStore.Bench.OwnBlake3;

/// <summary>
/// The widest compression path a hasher may use for runs of whole chunks; each level falls back to
/// the narrower ones for leftovers or when the hardware lacks it. Tests pin it to cover every path.
/// </summary>
internal enum Blake3Backend
{
    /// <summary>One chunk at a time with the reference compression function.</summary>
    Scalar = 0,

    /// <summary>4 chunks at a time in <c>Vector128&lt;uint&gt;</c> lanes.</summary>
    Vector128 = 1,

    /// <summary>8 chunks at a time in <c>Vector256&lt;uint&gt;</c> lanes (AVX2).</summary>
    Vector256 = 2,

    /// <summary>16 chunks at a time in <c>Vector512&lt;uint&gt;</c> lanes (AVX-512).</summary>
    Vector512 = 3,
}
