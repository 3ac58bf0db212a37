namespace ArtifactStore.EndToEnd.Tests;

public sealed class ConfigurationTests
{
    [Fact]
    public async Task config_show_reports_each_value_with_its_source_in_precedence_order()
    {
        using var temp = new TempDirectory();
        var config = temp.Combine("store.json");
        await File.WriteAllTextAsync(config, """
            { "Retention": { "DefaultClass": "ephemeral", "Classes": { "short": { "Duration": "00:00:03" }, "archive": {} } },
              "Limits": { "MaxFilesPerPackage": 5, "MaxLabelsPerPackage": 9 } }
            """);
        var env = new Dictionary<string, string>
        {
            ["ARTIFACTSTORE_CONFIG"] = config,
            ["ARTIFACTSTORE_Limits__MaxFilesPerPackage"] = "7",
            ["ARTIFACTSTORE_PROFILE"] = "eval",
            ["ARTIFACTSTORE_DATA_ROOT"] = temp.Combine("from-env"),
        };

        var (exit, stdout, stderr) = await Cli.RunAsync(["config", "show", "--profile", "prod"], env);
        Assert.True(exit == 0, stderr);
        Assert.Contains("Profile = prod    (command line)", stdout, StringComparison.Ordinal);
        Assert.Contains($"DataRoot = {temp.Combine("from-env")}    (environment)", stdout, StringComparison.Ordinal);
        Assert.Contains($"Retention:DefaultClass = ephemeral    (file {config})", stdout, StringComparison.Ordinal);
        Assert.Contains("Retention:Classes:short:Duration = 00:00:03", stdout, StringComparison.Ordinal);
        Assert.Contains("Retention:Classes:archive:Duration = (never expires)", stdout, StringComparison.Ordinal);
        Assert.Contains("Retention:Classes:standard:Duration = 7.00:00:00    (default)", stdout, StringComparison.Ordinal);
        Assert.Contains("Limits:MaxFilesPerPackage = 7    (environment)", stdout, StringComparison.Ordinal);
        Assert.Contains($"Limits:MaxLabelsPerPackage = 9    (file {config})", stdout, StringComparison.Ordinal);
        Assert.Contains("Limits:MaxUploadBytes = 17179869184    (default)", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task invalid_configuration_stops_start_up_listing_every_problem_and_creates_nothing()
    {
        using var temp = new TempDirectory();
        var config = temp.Combine("bad.json");
        await File.WriteAllTextAsync(config, """
            { "Retention": { "DefaultClass": "nope", "Classes": { "broken": { "Duration": "-1.00:00:00" }, "garbled": { "Duration": "soon" } } },
              "Limits": { "MaxUploadBytes": "lots" }, "Gc": { "Interval": "60.00:00:00" } }
            """);
        var (exit, _, stderr) = await Cli.RunAsync(["serve", "--data-root", temp.Combine("root"), "--config", config, "--urls", "http://127.0.0.1:0"]);
        Assert.Equal(2, exit);
        Assert.Contains("Retention:DefaultClass: 'nope' is not a known retention class", stderr, StringComparison.Ordinal);
        Assert.Contains("Retention:Classes:broken:Duration: must be positive", stderr, StringComparison.Ordinal);
        Assert.Contains("Retention:Classes:garbled:Duration: 'soon' is not a duration", stderr, StringComparison.Ordinal);
        Assert.Contains("Limits:MaxUploadBytes: 'lots' is not a whole number", stderr, StringComparison.Ordinal);
        Assert.Contains("Gc:Interval: must be at most 49 days", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.Combine("root")));
    }

    [Fact]
    public async Task the_download_lookup_cache_bound_is_shown_and_one_below_zero_or_not_a_number_stops_start_up()
    {
        using var temp = new TempDirectory();
        var (shown, stdout, stderr) = await Cli.RunAsync(["config", "show", "--data-root", temp.Combine("root")]);
        Assert.True(shown == 0, stderr);
        Assert.Contains("Downloads:LookupCacheFiles = 100000    (default)", stdout, StringComparison.Ordinal);
        var (off, offOut, offErr) = await Cli.RunAsync(["config", "show", "--data-root", temp.Combine("root")],
            new Dictionary<string, string> { ["ARTIFACTSTORE_Downloads__LookupCacheFiles"] = "0" });
        Assert.True(off == 0, offErr);
        Assert.Contains("Downloads:LookupCacheFiles = 0    (environment)", offOut, StringComparison.Ordinal);

        foreach (var bad in new[] { "-1", "many", "100000001" })
        {
            var (exit, _, problems) = await Cli.RunAsync(["serve", "--data-root", temp.Combine("root"), "--urls", "http://127.0.0.1:0"],
                new Dictionary<string, string> { ["ARTIFACTSTORE_Downloads__LookupCacheFiles"] = bad });
            Assert.Equal(2, exit);
            Assert.Contains($"Downloads:LookupCacheFiles: '{bad}' is not a whole number from 0 to 100000000", problems, StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(temp.Combine("root")));
    }

    [Fact]
    public async Task the_storage_backend_defaults_to_embedded_and_an_unknown_one_stops_start_up()
    {
        using var temp = new TempDirectory();
        var (exit, stdout, stderr) = await Cli.RunAsync(["config", "show", "--data-root", temp.Combine("root")]);
        Assert.True(exit == 0, stderr);
        Assert.Contains("Store:Backend = embedded    (default)", stdout, StringComparison.Ordinal);

        var env = new Dictionary<string, string> { ["ARTIFACTSTORE_STORE__BACKEND"] = "cassandra" };
        (exit, _, stderr) = await Cli.RunAsync(["serve", "--data-root", temp.Combine("root"), "--urls", "http://127.0.0.1:0"], env);
        Assert.Equal(2, exit);
        Assert.Contains("Store:Backend: 'cassandra' is not a storage backend (known: embedded, scale-out)", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.Combine("root")));
    }

    [Fact]
    public async Task scale_out_settings_are_checked_by_key_and_shown_with_secrets_redacted()
    {
        using var temp = new TempDirectory();
        var env = new Dictionary<string, string>
        {
            ["ARTIFACTSTORE_STORE__BACKEND"] = "scale-out",
            ["ARTIFACTSTORE_STORE__S3__BUKET"] = "typo",
            ["ARTIFACTSTORE_STORE__S3__FORCEPATHSTYLE"] = "sometimes",
        };
        var (exit, _, stderr) = await Cli.RunAsync(["serve", "--data-root", temp.Combine("root"), "--urls", "http://127.0.0.1:0"], env);
        Assert.Equal(2, exit);
        Assert.Contains("Store:Postgres:ConnectionString: required by Store:Backend=scale-out", stderr, StringComparison.Ordinal);
        Assert.Contains("Store:S3:Bucket: required", stderr, StringComparison.Ordinal);
        Assert.Contains("unknown setting of the scale-out backend", stderr, StringComparison.Ordinal);
        Assert.Contains("Store:S3:ForcePathStyle: 'sometimes' is not true or false", stderr, StringComparison.Ordinal);
        Assert.Contains("S3 credentials are required", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.Combine("root")));

        env = new Dictionary<string, string>
        {
            ["ARTIFACTSTORE_STORE__BACKEND"] = "scale-out",
            ["ARTIFACTSTORE_STORE__POSTGRES__CONNECTIONSTRING"] = "Host=db;Database=store;Username=as;Password=hunter2-secret",
            ["ARTIFACTSTORE_STORE__S3__BUCKET"] = "artifacts",
            ["ARTIFACTSTORE_STORE__S3__PREFIX"] = "prod/",
            ["ARTIFACTSTORE_STORE__S3__ACCESSKEY"] = "AKIDEXAMPLE",
            ["ARTIFACTSTORE_STORE__S3__SECRETKEY"] = "wJalrXUtnFEMI-secret",
        };
        (exit, var stdout, stderr) = await Cli.RunAsync(["config", "show", "--data-root", temp.Combine("root")], env);
        Assert.True(exit == 0, stderr);
        Assert.Contains("Store:Backend = scale-out    (environment)", stdout, StringComparison.Ordinal);
        Assert.Contains("Store:S3:Bucket = artifacts    (environment)", stdout, StringComparison.Ordinal);
        Assert.Contains("Store:S3:Prefix = prod/    (environment)", stdout, StringComparison.Ordinal);
        Assert.Contains("Store:Postgres:ConnectionString = (set, redacted)    (environment)", stdout, StringComparison.Ordinal);
        Assert.Contains("Store:S3:SecretKey = (set, redacted)    (environment)", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-secret", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("wJalrXUtnFEMI-secret", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task readiness_and_shutdown_settings_are_shown_with_their_sources_and_validated()
    {
        using var temp = new TempDirectory();
        var good = StoreFiles.Config(temp, """{ "Readiness": { "MinFreeSpace": 536870912 }, "Shutdown": { "GracePeriod": "00:01:00" } }""");
        var env = new Dictionary<string, string> { ["ARTIFACTSTORE_EXPECTED_REVISION"] = "abc1234" };
        var (exit, stdout, stderr) = await Cli.RunAsync(["config", "show", "--data-root", temp.Combine("root"), "--config", good], env);
        Assert.True(exit == 0, stderr);
        Assert.Contains($"Readiness:MinFreeSpace = 536870912    (file {good})", stdout, StringComparison.Ordinal);
        Assert.Contains("Readiness:CheckInterval = 00:00:05    (default)", stdout, StringComparison.Ordinal);
        Assert.Contains("Readiness:ExpectedRevision = abc1234    (environment)", stdout, StringComparison.Ordinal);
        Assert.Contains($"Shutdown:GracePeriod = 00:01:00    (file {good})", stdout, StringComparison.Ordinal);

        var bad = StoreFiles.Config(temp, """{ "Readiness": { "MinFreeSpace": -1, "CheckInterval": "00:00:00" }, "Shutdown": { "GracePeriod": "-00:00:01" } }""");
        (exit, _, stderr) = await Cli.RunAsync(["serve", "--data-root", temp.Combine("root"), "--config", bad, "--urls", "http://127.0.0.1:0"]);
        Assert.Equal(2, exit);
        Assert.Contains("Readiness:MinFreeSpace: must not be negative", stderr, StringComparison.Ordinal);
        Assert.Contains("Readiness:CheckInterval: must be positive", stderr, StringComparison.Ordinal);
        Assert.Contains("Shutdown:GracePeriod: must not be negative", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.Combine("root")));
    }

    [Fact]
    public async Task a_missing_explicit_config_file_is_an_error_not_a_silent_default()
    {
        using var temp = new TempDirectory();
        var (exit, _, stderr) = await Cli.RunAsync(["serve", "--data-root", temp.Combine("root"), "--config", temp.Combine("absent.json")]);
        Assert.Equal(2, exit);
        Assert.Contains("absent.json", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task version_names_the_git_revision_it_was_built_from()
    {
        var (exit, stdout, _) = await Cli.RunAsync(["--version"]);
        Assert.Equal(0, exit);
        Assert.Matches("^[0-9.]+\\+[0-9a-f]{40}", stdout.Trim());
    }
}
