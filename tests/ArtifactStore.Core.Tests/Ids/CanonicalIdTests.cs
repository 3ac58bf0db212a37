using ArtifactStore.Core.Ids;

namespace ArtifactStore.Core.Tests.Ids;

public sealed class CanonicalIdTests
{
    private const string Id = "0190b6e4-8f2a-7c3d-9e4f-0a1b2c3d4e5f";

    [Fact]
    public void the_canonical_spelling_is_an_id_and_writes_back_the_same()
    {
        Assert.True(CanonicalId.TryParse(Id, out var id));
        Assert.Equal(Guid.Parse(Id), id);
        Assert.Equal(Id, CanonicalId.ToText(id));

        var fresh = Guid.CreateVersion7();
        Assert.True(CanonicalId.TryParse(CanonicalId.ToText(fresh), out var back));
        Assert.Equal(fresh, back);
    }

    [Theory]
    [InlineData("0190B6E4-8F2A-7C3D-9E4F-0A1B2C3D4E5F")]
    [InlineData("0190b6e4-8f2a-7c3d-9e4f-0a1b2c3d4e5F")]
    [InlineData("{0190b6e4-8f2a-7c3d-9e4f-0a1b2c3d4e5f}")]
    [InlineData("(0190b6e4-8f2a-7c3d-9e4f-0a1b2c3d4e5f)")]
    [InlineData("0190b6e48f2a7c3d9e4f0a1b2c3d4e5f")]
    [InlineData("0190b6e4-8f2a-7c3d-9e4f-0a1b2c3d4e5f ")]
    [InlineData(" 0190b6e4-8f2a-7c3d-9e4f-0a1b2c3d4e5f")]
    [InlineData("0190b6e4-8f2a-7c3d-9e4f-0a1b2c3d4e5f\n")]
    [InlineData("{0x0190b6e4,0x8f2a,0x7c3d,{0x9e,0x4f,0x0a,0x1b,0x2c,0x3d,0x4e,0x5f}}")]
    [InlineData("0190b6e4-8f2a-7c3d-9e4f-0a1b2c3d4e5")]
    [InlineData("")]
    [InlineData(null)]
    public void every_other_spelling_is_refused(string? text)
    {
        Assert.False(CanonicalId.TryParse(text, out var id));
        Assert.Equal(Guid.Empty, id);
    }

    [Fact]
    public void a_refusal_names_the_field_and_does_not_repeat_the_text()
    {
        var result = CanonicalId.Read("0190B6E4-8F2A-7C3D-9E4F-0A1B2C3D4E5F", "input_package_id");
        Assert.False(result.IsSuccess);
        Assert.Equal("validation_failed", result.Error!.Code);
        Assert.Equal("input_package_id", result.Error.Details!["field"]);
        Assert.DoesNotContain("0190B6E4", result.Error.Message, StringComparison.Ordinal);
    }
}
