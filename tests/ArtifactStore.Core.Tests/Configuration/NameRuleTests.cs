using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Retention;
using ArtifactStore.Core.Roots;

namespace ArtifactStore.Core.Tests.Configuration;

/// <summary>Names checked by a pattern are whole values: a trailing line break is not part of a valid name.</summary>
public sealed class NameRuleTests
{
    [Theory]
    [InlineData("prod", true)]
    [InlineData("prod\n", false)]
    [InlineData("prod\r\n", false)]
    [InlineData("\nprod", false)]
    public void profile_names(string name, bool valid) => Assert.Equal(valid, ProfileName.IsValid(name));

    [Theory]
    [InlineData("audit", true)]
    [InlineData("audit\n", false)]
    [InlineData("audit\r\n", false)]
    public void retention_class_names(string name, bool valid)
    {
        var options = new RetentionOptions
        {
            Classes = RetentionOptions.BuiltIn.Append(new RetentionClass(name, TimeSpan.FromDays(1))).ToDictionary(c => c.Name, StringComparer.Ordinal),
        };
        Assert.Equal(valid, !options.Validate().Any());
    }

    [Theory]
    [InlineData("convert", true)]
    [InlineData("convert\n", false)]
    [InlineData("convert\r\n", false)]
    public void job_type_names(string name, bool valid)
    {
        var options = new JobOptions { Types = new Dictionary<string, JobType> { [name] = new JobType(name) { Command = ["true"] } } };
        Assert.Equal(valid, !options.Validate(new RetentionOptions()).Any());
    }
}
