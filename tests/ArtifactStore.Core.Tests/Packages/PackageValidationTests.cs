using ArtifactStore.Core.Packages;

namespace ArtifactStore.Core.Tests.Packages;

public sealed class PackageValidationTests
{
    [Theory]
    [InlineData("reports")]
    [InlineData("team/eval/run-42_v1.2")]
    [InlineData("A.b-c_d")]
    public void acceptable_names_pass(string name) => Assert.Null(PackageValidation.CheckName(name));

    [Theory]
    [InlineData("")]
    [InlineData("/abs")]
    [InlineData("trailing/")]
    [InlineData("double//slash")]
    [InlineData("dot/./segment")]
    [InlineData("../escape")]
    [InlineData("has space")]
    [InlineData("ünïcode")]
    [InlineData("semi;colon")]
    public void bad_names_are_refused(string name) => Assert.NotNull(PackageValidation.CheckName(name));

    [Fact]
    public void names_longer_than_200_characters_are_refused()
    {
        Assert.Null(PackageValidation.CheckName(new string('a', 200)));
        Assert.NotNull(PackageValidation.CheckName(new string('a', 201)));
    }

    [Theory]
    [InlineData("a.txt")]
    [InlineData("deep/nested/dir/file with spaces.bin")]
    [InlineData("ünïcode/日本.txt")]
    public void acceptable_paths_pass(string path) => Assert.Null(PackageValidation.CheckPath(path));

    [Theory]
    [InlineData("")]
    [InlineData("/etc/passwd")]
    [InlineData("../../etc/passwd")]
    [InlineData("a/../b")]
    [InlineData("a/./b")]
    [InlineData("a\\b")]
    [InlineData("a//b")]
    [InlineData("dir/")]
    [InlineData("tab\there")]
    [InlineData("nul\0byte")]
    [InlineData("newline\nhere")]
    public void bad_paths_are_refused(string path) => Assert.NotNull(PackageValidation.CheckPath(path));

    [Fact]
    public void paths_are_bounded_at_1024_utf8_bytes()
    {
        Assert.Null(PackageValidation.CheckPath(new string('a', 1024)));
        Assert.NotNull(PackageValidation.CheckPath(new string('a', 1025)));
        Assert.NotNull(PackageValidation.CheckPath(new string('é', 513)));
    }

    [Theory]
    [InlineData("env", "prod", true)]
    [InlineData("app.kubernetes.io/name", "x", true)]
    [InlineData("", "x", false)]
    [InlineData("-leading", "x", false)]
    [InlineData("sp ace", "x", false)]
    [InlineData("k", "line\nbreak", false)]
    public void labels_are_checked(string key, string value, bool ok) =>
        Assert.Equal(ok, PackageValidation.CheckLabel(key, value) is null);
}
