using ArtifactStore.Core.Oci;
using ArtifactStore.Core.Retention;

namespace ArtifactStore.Core.Tests.Oci;

public sealed class OciOptionsTests
{
    private static readonly OciOptions Options = new()
    {
        Repositories = [new("ci/*", "ephemeral"), new("ci/release*", "release-evidence"), new("base", "permanent-record")],
    };

    [Theory]
    [InlineData("ci/app", "ephemeral")]
    [InlineData("ci/team/app", "ephemeral")]
    [InlineData("ci/release-2", "release-evidence")]
    [InlineData("base", "permanent-record")]
    [InlineData("base/child", null)]
    [InlineData("cix/app", null)]
    public void the_longest_matching_pattern_names_the_class(string repository, string? expected) =>
        Assert.Equal(expected, Options.ClassFor(repository));

    [Fact]
    public void a_rule_naming_an_unknown_class_is_a_configuration_problem()
    {
        var problems = new OciOptions { Repositories = [new("x/*", "nope")] }.Validate(new RetentionOptions()).ToList();
        Assert.Contains("Oci:Repositories:x/*:Class", Assert.Single(problems), StringComparison.Ordinal);
        Assert.Empty(Options.Validate(new RetentionOptions()));
    }

    [Theory]
    [InlineData("team/app", true)]
    [InlineData("a.b_c__d--e/f", true)]
    [InlineData("Team/app", false)]
    [InlineData("team//app", false)]
    [InlineData("-team", false)]
    [InlineData("team/app\n", false)]
    public void repository_names_follow_the_distribution_spec(string name, bool acceptable) =>
        Assert.Equal(acceptable, OciRegistry.CheckRepository(name) is null);
}
