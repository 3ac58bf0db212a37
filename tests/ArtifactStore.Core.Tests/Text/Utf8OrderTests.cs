using ArtifactStore.Core.Text;

namespace ArtifactStore.Core.Tests.Text;

public sealed class Utf8OrderTests
{
    private static readonly string[] Texts =
    [
        "", "a", "A", "ab", "a/b", "a0", "\u00e9", "e\u0301", "\uff21", "\ufffd", "\ue000",
        "\U0001F600", "\U0001F601", "\U0001F600a", "x\U0001F600", "x\uffff", "\u0800", "\u07ff",
    ];

    [Fact]
    public void strings_sort_as_their_utf8_bytes_do()
    {
        var byBytes = Texts.OrderBy(t => System.Text.Encoding.UTF8.GetBytes(t), ByteOrder.Instance).ToArray();
        var byComparer = Texts.Order(Utf8Order.Comparer).ToArray();
        Assert.Equal(byBytes, byComparer);

        // The point of it: UTF-16 order puts a character above U+FFFF before U+E000–U+FFFF; UTF-8 after.
        Assert.True(string.CompareOrdinal("\U0001F600", "\uff21") < 0);
        Assert.True(Utf8Order.Comparer.Compare("\U0001F600", "\uff21") > 0);
    }

    [Fact]
    public void equal_strings_compare_equal_and_a_prefix_first()
    {
        Assert.Equal(0, Utf8Order.Comparer.Compare("x\U0001F600", "x\U0001F600"));
        Assert.True(Utf8Order.Comparer.Compare("ab", "abc") < 0);
        Assert.True(Utf8Order.Comparer.Compare("\U0001F601", "\U0001F600") > 0);
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
