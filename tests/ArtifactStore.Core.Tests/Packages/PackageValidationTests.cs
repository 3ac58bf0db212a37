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
    [InlineData("reports\n")]
    [InlineData("reports\r\n")]
    [InlineData("\nreports")]
    [InlineData("reports\n\n")]
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
    [InlineData("env\n", "prod", false)]
    [InlineData("env\r\n", "prod", false)]
    [InlineData("\nenv", "prod", false)]
    [InlineData("k", "value\n", false)]
    public void labels_are_checked(string key, string value, bool ok) =>
        Assert.Equal(ok, PackageValidation.CheckLabel(key, value) is null);

    [Fact]
    public void paths_in_nfc_and_nfd_have_the_same_key()
    {
        const string composed = "caf\u00e9/r\u00e9sum\u00e9.txt";
        const string decomposed = "cafe\u0301/re\u0301sume\u0301.txt";
        Assert.NotEqual(composed, decomposed);
        Assert.Null(PackageValidation.CheckPath(composed));
        Assert.Null(PackageValidation.CheckPath(decomposed));
        Assert.Equal(PackageValidation.PathKey(composed), PackageValidation.PathKey(decomposed));
        Assert.NotEqual(PackageValidation.PathKey("cafe.txt"), PackageValidation.PathKey(composed));
    }
}
