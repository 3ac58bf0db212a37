using ArtifactStore.Core.Time;

namespace ArtifactStore.Core.Tests.Time;

public sealed class Rfc3339Tests
{
    [Theory]
    [InlineData("2099-01-02T03:04:05Z", "2099-01-02T03:04:05.000Z")]
    [InlineData("2099-01-02t03:04:05z", "2099-01-02T03:04:05.000Z")]
    [InlineData("2099-01-02T03:04:05.5Z", "2099-01-02T03:04:05.500Z")]
    [InlineData("2099-01-02T03:04:05.123456789Z", "2099-01-02T03:04:05.123Z")]
    [InlineData("2099-01-02T03:04:05+02:00", "2099-01-02T01:04:05.000Z")]
    [InlineData("2099-01-02T03:04:05-05:30", "2099-01-02T08:34:05.000Z")]
    [InlineData("2099-01-01T00:30:00+01:00", "2098-12-31T23:30:00.000Z")]
    [InlineData("2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z")]
    public void rfc3339_times_with_an_offset_are_read_as_utc(string text, string utc)
    {
        Assert.True(Rfc3339.TryParse(text, out var value), text);
        Assert.Equal(TimeSpan.Zero, value.Offset);
        Assert.Equal(utc, Rfc3339.ToText(value));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("01/02/2099")]
    [InlineData("Jan 1 2099")]
    [InlineData("2099-01-02")]
    [InlineData("2099-01-02T03:04:05")]
    [InlineData("2099-01-02T03:04Z")]
    [InlineData("2099-01-02 03:04:05Z")]
    [InlineData("2099-01-02T03:04:05Z\n")]
    [InlineData(" 2099-01-02T03:04:05Z")]
    [InlineData("2099-01-02T03:04:05+0200")]
    [InlineData("2099-01-02T03:04:05+02")]
    [InlineData("2099-01-02T03:04:05.Z")]
    [InlineData("2099-1-2T03:04:05Z")]
    [InlineData("2099-13-01T00:00:00Z")]
    [InlineData("2099-02-29T00:00:00Z")]
    [InlineData("2099-04-31T00:00:00Z")]
    [InlineData("2099-01-01T24:00:00Z")]
    [InlineData("2099-01-01T00:60:00Z")]
    [InlineData("2098-12-31T23:59:60Z")]
    [InlineData("2099-01-01T00:00:00+24:00")]
    [InlineData("0000-01-01T00:00:00Z")]
    [InlineData("0001-01-01T00:00:00+01:00")]
    [InlineData("٢٠٩٩-01-02T03:04:05Z")]
    [InlineData("Thu, 01 Jan 2099 00:00:00 GMT")]
    public void anything_else_is_refused(string text)
    {
        Assert.False(Rfc3339.TryParse(text, out _));
        Assert.Throws<FormatException>(() => Rfc3339.Parse(text));
    }

    [Fact]
    public void null_is_refused() => Assert.False(Rfc3339.TryParse(null, out _));

    [Fact]
    public void what_the_store_writes_reads_back_equal()
    {
        var now = Rfc3339.Truncate(DateTimeOffset.UtcNow);
        Assert.Equal(now, Rfc3339.Parse(Rfc3339.ToText(now)));
    }

    [Fact]
    public void a_refusal_names_the_field()
    {
        var result = Rfc3339.Read("01/02/2099", "new_expires_at");
        Assert.False(result.IsSuccess);
        Assert.Equal("validation_failed", result.Error!.Code);
        Assert.Equal("new_expires_at", result.Error.Details!["field"]);
        Assert.Equal(new DateTimeOffset(2099, 1, 2, 3, 4, 5, TimeSpan.Zero), Rfc3339.Read("2099-01-02T03:04:05Z", "as_of").Value);
    }
}
