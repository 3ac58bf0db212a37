namespace ArtifactStore.EndToEnd.Tests;

/// <summary>The configuration file through the real command: TOML beside JSON, and files it cannot use.</summary>
public sealed class ConfigurationFileTests
{
    [Fact]
    public async Task a_toml_file_sets_retention_classes_and_a_job_type_that_config_show_reports_with_their_source()
    {
        using var temp = new TempDirectory();
        var config = temp.Combine("store.toml");
        await File.WriteAllTextAsync(config, """
            [Retention]
            DefaultClass = "flash"

            [Retention.Classes.flash]
            Duration = "00:10:00"

            [Retention.Classes.archive]

            [Limits]
            MaxFilesPerPackage = 5

            [Jobs.Types.pdf-to-text]
            Command = ["pdftotext", "-layout", "{input}", "{output_dir}/text.txt"]
            Timeout = "00:05:00"
            MaxAttempts = 4
            OutputClass = "flash"
            """);

        var (exit, stdout, stderr) = await Cli.RunAsync(["config", "show", "--data-root", temp.Combine("root"), "--config", config]);
        Assert.True(exit == 0, stderr);
        var file = $"(file {config})";
        Assert.Contains($"config file: {config}", stdout, StringComparison.Ordinal);
        Assert.Contains($"Retention:DefaultClass = flash    {file}", stdout, StringComparison.Ordinal);
        Assert.Contains($"Retention:Classes:flash:Duration = 00:10:00    {file}", stdout, StringComparison.Ordinal);
        Assert.Contains($"Retention:Classes:archive:Duration = (never expires)    {file}", stdout, StringComparison.Ordinal);
        Assert.Contains("Retention:Classes:standard:Duration = 7.00:00:00    (default)", stdout, StringComparison.Ordinal);
        Assert.Contains($"Limits:MaxFilesPerPackage = 5    {file}", stdout, StringComparison.Ordinal);
        Assert.Contains($"Jobs:Types:pdf-to-text:Command = [\"pdftotext\",\"-layout\",\"{{input}}\",\"{{output_dir}}/text.txt\"]    {file}", stdout, StringComparison.Ordinal);
        Assert.Contains($"Jobs:Types:pdf-to-text:Timeout = 00:05:00    {file}", stdout, StringComparison.Ordinal);
        Assert.Contains($"Jobs:Types:pdf-to-text:MaxAttempts = 4    {file}", stdout, StringComparison.Ordinal);
        Assert.Contains("Jobs:Types:pdf-to-text:Backoff = 00:00:10    (default)", stdout, StringComparison.Ordinal);
        Assert.Contains($"Jobs:Types:pdf-to-text:OutputClass = flash    {file}", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task the_toml_example_in_examples_is_a_valid_configuration_with_the_pdf_to_text_job_type()
    {
        using var temp = new TempDirectory();
        var example = Path.Combine(Cli.RepositoryRoot, "examples", "pdftotext.toml");
        var (exit, stdout, stderr) = await Cli.RunAsync(["config", "show", "--data-root", temp.Combine("root"), "--config", example]);
        Assert.True(exit == 0, stderr);
        Assert.Contains($"Jobs:Types:pdf-to-text:Command = [\"pdftotext\",\"-layout\",\"-enc\",\"UTF-8\",\"{{input}}\",\"{{output_dir}}/text.txt\"]    (file {example})", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task malformed_json_stops_start_up_with_exit_2_and_one_line_naming_the_file_line_and_column()
    {
        using var temp = new TempDirectory();
        var config = temp.Combine("broken.json");
        await File.WriteAllTextAsync(config, "{ \"Retention\": {\n  \"DefaultClass\": }\n}\n");

        var line = await RefusedAtStartAsync(temp, config);
        Assert.Contains($"configuration file {config}, line 2, column 19: '}}' is an invalid start of a value", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task malformed_toml_stops_start_up_with_exit_2_and_one_line_naming_the_file_line_and_column()
    {
        using var temp = new TempDirectory();
        var config = temp.Combine("broken.toml");
        await File.WriteAllTextAsync(config, "[Limits]\nMaxFilesPerPackage = 5\n[Retention.Classes.flash\nDuration = \"00:10:00\"\n");

        var line = await RefusedAtStartAsync(temp, config);
        Assert.Contains($"configuration file {config}, line 3, column 25: ", line, StringComparison.Ordinal);
        Assert.Contains("`]`", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("config", "show")]
    [InlineData("fsck")]
    [InlineData("doctor")]
    [InlineData("rebuild-views")]
    public async Task every_command_that_loads_configuration_reports_a_malformed_file_with_exit_2(params string[] command)
    {
        using var temp = new TempDirectory();
        var config = temp.Combine("broken.json");
        await File.WriteAllTextAsync(config, "{ \"Limits\": { \"MaxFilesPerPackage\": 5,, } }");

        var (exit, _, stderr) = await Cli.RunAsync([.. command, "--data-root", temp.Combine("root"), "--config", config]);

        Assert.True(exit == 2, $"exit {exit}: {stderr}");
        Assert.Contains($"configuration file {config}, line 1, column 39: ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_file_of_unknown_type_exits_2_naming_the_file_and_the_extensions_accepted()
    {
        using var temp = new TempDirectory();
        var config = temp.Combine("store.yaml");
        await File.WriteAllTextAsync(config, "Limits:\n  MaxFilesPerPackage: 5\n");

        var line = await RefusedAtStartAsync(temp, config);
        Assert.Contains($"configuration file {config} has the unknown extension '.yaml'; the extensions accepted are .json and .toml", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_upper_case_retention_class_from_an_environment_variable_is_the_lower_case_class()
    {
        using var temp = new TempDirectory();
        var config = temp.Combine("store.toml");
        await File.WriteAllTextAsync(config, "[Retention.Classes.flash]\nDuration = \"01:00:00\"\n");
        var env = new Dictionary<string, string>
        {
            ["ARTIFACTSTORE_RETENTION__CLASSES__FLASH__DURATION"] = "00:10:00",
            ["ARTIFACTSTORE_RETENTION__CLASSES__BURST__DURATION"] = "00:00:30",
            ["ARTIFACTSTORE_RETENTION__DEFAULTCLASS"] = "burst",
        };

        var (exit, stdout, stderr) = await Cli.RunAsync(["config", "show", "--data-root", temp.Combine("root"), "--config", config], env);

        Assert.True(exit == 0, stderr);
        Assert.Contains("Retention:DefaultClass = burst    (environment)", stdout, StringComparison.Ordinal);
        Assert.Contains("Retention:Classes:burst:Duration = 00:00:30    (environment)", stdout, StringComparison.Ordinal);

        // The variable names the file's class: it overrides it, by the usual precedence.
        Assert.Contains("Retention:Classes:flash:Duration = 00:10:00    (environment)", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("FLASH", stdout, StringComparison.Ordinal);
    }

    /// <summary>Runs <c>serve</c> with the file; asserts exit 2, one line on stderr and no root created; returns the line.</summary>
    private static async Task<string> RefusedAtStartAsync(TempDirectory temp, string config)
    {
        var (exit, stdout, stderr) = await Cli.RunAsync(["serve", "--data-root", temp.Combine("root"), "--config", config, "--urls", "http://127.0.0.1:0"]);
        Assert.True(exit == 2, $"exit {exit}: {stderr}");
        Assert.Equal("", stdout);
        Assert.False(Directory.Exists(temp.Combine("root")));
        return Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
