using ArtifactStore.Core.Text;

namespace ArtifactStore.Core.Tests.Text;

public sealed class CanonicalFormTests
{
    [Theory]
    [InlineData("caf\u00e9", "cafe\u0301")]                       // é: precomposed and decomposed
    [InlineData("\u00c5ngstr\u00f6m", "A\u030angstro\u0308m")]    // Å, ö
    [InlineData("\u212b", "\u00c5")]                              // ANGSTROM SIGN is canonically Å
    [InlineData("\u2126", "\u03a9")]                              // OHM SIGN is canonically Ω
    [InlineData("\uac00", "\u1100\u1161")]                        // Hangul syllable GA and its jamo
    [InlineData("\ud55c", "\u1112\u1161\u11ab")]                  // Hangul syllable HAN, with a trailing consonant
    [InlineData("a\u0323\u0307", "a\u0307\u0323")]                // combining marks in either order (classes 220 and 230)
    [InlineData("\u1e0b\u0323", "\u1e0d\u0307")]                  // ḋ + dot below = ḍ + dot above
    [InlineData("\U0001D15E", "\U0001D157\U0001D165")]            // a musical symbol outside the BMP
    public void canonically_equivalent_texts_are_equal(string a, string b)
    {
        Assert.NotEqual(a, b);
        Assert.True(CanonicalForm.AreEquivalent(a, b));
        Assert.Equal(CanonicalForm.Decompose(a), CanonicalForm.Decompose(b));
    }

    [Theory]
    [InlineData("cafe", "caf\u00e9")]
    [InlineData("\ufb01", "fi")]                                  // a ligature is only compatibility-equivalent
    [InlineData("A", "a")]
    [InlineData("a\u0301\u0300", "a\u0300\u0301")]                // marks of the same class keep their order
    public void other_texts_stay_different(string a, string b) => Assert.False(CanonicalForm.AreEquivalent(a, b));

    [Fact]
    public void the_decomposition_is_nfd()
    {
        Assert.Equal("cafe\u0301", CanonicalForm.Decompose("caf\u00e9"));
        Assert.Equal("plain/ascii.txt", CanonicalForm.Decompose("plain/ascii.txt"));
        Assert.Equal(230, CanonicalForm.CombiningClass(0x0301));
        Assert.Equal(0, CanonicalForm.CombiningClass('a'));
    }

    [Fact]
    public void a_lone_surrogate_is_refused() => Assert.Throws<ArgumentException>(() => CanonicalForm.Decompose("\u00e9\ud800"));
}
