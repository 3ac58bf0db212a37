using System.Collections;
using ArtifactStore.Server.Configuration;
using Microsoft.Extensions.Configuration;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>Configuration loading in-process, for what the command-line tests need not start a process for.</summary>
public sealed class StoreConfigurationTests
{
    [Fact]
    public async Task a_toml_file_gives_the_same_keys_and_values_as_the_json_file_it_mirrors()
    {
        using var temp = new TempDirectory();
        var json = temp.Combine("store.json");
        await File.WriteAllTextAsync(json, """
            { "Retention": { "DefaultClass": "flash", "Classes": { "flash": { "Duration": "00:10:00" }, "archive": {} } },
              "Limits": { "MaxFilesPerPackage": 5 },
              "Jobs": { "Slots": 2, "Types": { "pdf-to-text": { "Command": ["pdftotext", "{input}"], "MaxAttempts": 3 } } },
              "Extra": { "Flag": true, "Ratio": 1.5, "Empty": [], "Tables": [ { "A": 1 }, { "A": 2 } ] } }
            """);
        var toml = temp.Combine("store.toml");
        await File.WriteAllTextAsync(toml, """
            [Retention]
            DefaultClass = "flash"
            [Retention.Classes.flash]
            Duration = "00:10:00"
            [Retention.Classes.archive]
            [Limits]
            MaxFilesPerPackage = 5
            [Jobs]
            Slots = 2
            [Jobs.Types.pdf-to-text]
            Command = ["pdftotext", "{input}"]
            MaxAttempts = 3
            [Extra]
            Flag = true
            Ratio = 1.5
            Empty = []
            [[Extra.Tables]]
            A = 1
            [[Extra.Tables]]
            A = 2
            """);

        var fromJson = Load(temp, json);
        var fromToml = Load(temp, toml);

        Assert.True(fromToml.IsValid, string.Join("; ", fromToml.Problems));
        Assert.Equal(FileKeys(fromJson), FileKeys(fromToml));
        Assert.Contains(("Jobs:Types:pdf-to-text:Command:1", "{input}"), FileKeys(fromToml));
        Assert.Contains(("Retention:Classes:archive", null), FileKeys(fromToml));
        Assert.Equal(["pdftotext", "{input}"], fromToml.Options!.Jobs.Find("pdf-to-text")!.Command);
        Assert.Equal(TimeSpan.FromMinutes(10), fromToml.Options.Retention.Find("flash")!.Duration);
        Assert.Null(fromToml.Options.Retention.Find("archive")!.Duration);
    }

    [Fact]
    public async Task toml_keys_that_differ_only_in_case_are_refused_naming_both()
    {
        using var temp = new TempDirectory();
        var toml = temp.Combine("store.toml");
        await File.WriteAllTextAsync(toml, "[Retention.Classes.flash]\nDuration = \"00:10:00\"\n[Retention.Classes.FLASH]\nDuration = \"01:00:00\"\n");

        var loaded = Load(temp, toml);

        var problem = Assert.Single(loaded.Problems);
        Assert.Contains($"configuration file {toml}: the keys 'Retention:Classes:flash' and 'Retention:Classes:FLASH' differ only in case", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_toml_key_given_twice_is_refused_with_its_line()
    {
        using var temp = new TempDirectory();
        var toml = temp.Combine("store.toml");
        await File.WriteAllTextAsync(toml, "[Limits]\nMaxFilesPerPackage = 5\nMaxFilesPerPackage = 6\n");

        var loaded = Load(temp, toml);

        var problem = Assert.Single(loaded.Problems);
        Assert.StartsWith($"configuration file {toml}, line 3, column 1: ", problem, StringComparison.Ordinal);
        Assert.Contains("MaxFilesPerPackage", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void environment_variables_that_differ_only_in_case_are_refused_naming_both()
    {
        using var temp = new TempDirectory();
        var loaded = Load(temp, null, new Dictionary<string, string>
        {
            ["ARTIFACTSTORE_RETENTION__CLASSES__FLASH__DURATION"] = "00:10:00",
            ["ARTIFACTSTORE_Retention__Classes__flash__Duration"] = "01:00:00",
        });

        Assert.False(loaded.IsValid);
        var problem = Assert.Single(loaded.Problems);
        Assert.Contains("ARTIFACTSTORE_RETENTION__CLASSES__FLASH__DURATION and ARTIFACTSTORE_Retention__Classes__flash__Duration", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void an_upper_case_job_type_from_the_environment_is_the_lower_case_type()
    {
        using var temp = new TempDirectory();
        var loaded = Load(temp, null, new Dictionary<string, string>
        {
            ["ARTIFACTSTORE_JOBS__TYPES__PDF-TO-TEXT__COMMAND__0"] = "pdftotext",
            ["ARTIFACTSTORE_JOBS__TYPES__PDF-TO-TEXT__COMMAND__1"] = "{input}",
            ["ARTIFACTSTORE_JOBS__TYPES__PDF-TO-TEXT__INPUTCLASS"] = "standard",
        });

        Assert.True(loaded.IsValid, string.Join("; ", loaded.Problems));
        var type = loaded.Options!.Jobs.Find("pdf-to-text");
        Assert.NotNull(type);
        Assert.Equal("pdf-to-text", type.Name);
        Assert.Equal(["pdftotext", "{input}"], type.Command);
        Assert.Equal("standard", type.InputClass);
        Assert.Null(loaded.Options.Jobs.Find("PDF-TO-TEXT"));
    }

    [Fact]
    public async Task a_built_in_class_named_in_upper_case_overrides_the_built_in_class()
    {
        using var temp = new TempDirectory();
        var json = temp.Combine("store.json");
        await File.WriteAllTextAsync(json, """{ "Retention": { "Classes": { "Standard": { "Duration": "14.00:00:00" } } } }""");

        var loaded = Load(temp, json);

        Assert.True(loaded.IsValid, string.Join("; ", loaded.Problems));
        Assert.Equal(TimeSpan.FromDays(14), loaded.Options!.Retention.Find("standard")!.Duration);
        Assert.DoesNotContain("Standard", loaded.Options.Retention.Classes.Keys);
    }

    [Fact]
    public void the_inline_cache_size_defaults_to_32_mib_is_set_from_the_environment_and_a_negative_one_is_refused()
    {
        using var temp = new TempDirectory();
        Assert.Equal(32L * 1024 * 1024, Load(temp, null).Options!.Uploads.InlineCacheBytes);

        var off = Load(temp, null, new Dictionary<string, string> { ["ARTIFACTSTORE_Uploads__InlineCacheBytes"] = "0" });
        Assert.True(off.IsValid, string.Join("; ", off.Problems));
        Assert.Equal(0, off.Options!.Uploads.InlineCacheBytes);

        var negative = Load(temp, null, new Dictionary<string, string> { ["ARTIFACTSTORE_Uploads__InlineCacheBytes"] = "-1" });
        Assert.False(negative.IsValid);
        Assert.Contains(negative.Problems, p => p.Contains("Uploads:InlineCacheBytes", StringComparison.Ordinal));
    }

    private static LoadedConfiguration Load(TempDirectory temp, string? configFile, Dictionary<string, string>? environment = null) =>
        StoreConfiguration.Load(
            new Dictionary<string, string?> { [ConfigurationKeys.DataRoot] = temp.Combine("root") },
            configFile,
            new Hashtable(environment ?? []));

    /// <summary>What the configuration file supplied, key by key.</summary>
    private static List<(string Key, string? Value)> FileKeys(LoadedConfiguration loaded) =>
        loaded.Root.Providers.OfType<FileConfigurationProvider>().Single()
            .GetChildKeys([], null).Distinct(StringComparer.OrdinalIgnoreCase)
            .SelectMany(key => Walk(loaded.Root.GetSection(key)))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ToList();

    private static IEnumerable<(string Key, string? Value)> Walk(IConfigurationSection section)
    {
        var children = section.GetChildren().ToList();
        return children.Count == 0 ? [(section.Path, section.Value)] : children.SelectMany(Walk);
    }
}
