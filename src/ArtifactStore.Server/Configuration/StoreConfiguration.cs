using System.Collections;
using System.Globalization;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Gc;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Oci;
using ArtifactStore.Core.Retention;
using ArtifactStore.Core.Roots;
using ArtifactStore.Core.Storage;
using Microsoft.Extensions.Configuration;

namespace ArtifactStore.Server.Configuration;

/// <summary>
/// Loads configuration with the standard .NET providers, lowest precedence first: built-in defaults,
/// the configuration file (JSON or TOML, see <see cref="ConfigurationFile"/>), environment variables (<c>ARTIFACTSTORE_</c>, <c>__</c> for nesting), the command
/// line. The file is <c>--config</c>, else <c>ARTIFACTSTORE_CONFIG</c>, else <c>&lt;root&gt;/artifactstore.json</c>.
/// </summary>
public static class StoreConfiguration
{
    /// <param name="commandLine">Values given as options, by configuration key (e.g. <c>DataRoot</c>).</param>
    /// <param name="configFile">The <c>--config</c> option, if given.</param>
    /// <param name="environment">The process environment; tests pass their own.</param>
    public static LoadedConfiguration Load(
        IReadOnlyDictionary<string, string?> commandLine,
        string? configFile,
        IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        var env = environment.Cast<DictionaryEntry>()
            .Where(e => e.Key is string && e.Value is string)
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal);

        // Environment variables whose names do not map onto keys by the '__' rule.
        var envAliases = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (env.TryGetValue("ARTIFACTSTORE_DATA_ROOT", out var envRoot))
        {
            envAliases[ConfigurationKeys.DataRoot] = envRoot;
        }

        if (env.TryGetValue(ConfigurationKeys.ExpectedRevisionVariable, out var expectedRevision))
        {
            envAliases[ConfigurationKeys.ReadinessExpectedRevision] = expectedRevision;
        }

        var cli = commandLine.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
        configFile ??= env.GetValueOrDefault("ARTIFACTSTORE_CONFIG");
        var explicitFile = configFile is not null;
        var problems = EnvironmentCollisions(env);

        // A file that cannot be used is the only problem reported: every value in it is unknown.
        LoadedConfiguration Refuse(string problem) =>
            new(Build(env, envAliases, cli, null, required: false), null, [problem], configFile, ConfigurationKeys.DefaultUrls);

        if (explicitFile && !File.Exists(configFile))
        {
            return Refuse($"configuration file {Path.GetFullPath(configFile!)} does not exist");
        }

        if (explicitFile && ConfigurationFile.CheckType(configFile!) is { } wrongType)
        {
            return Refuse(wrongType);
        }

        // The file may live in the root, so the root is found first from the sources above the file.
        var (early, earlyFailure) = TryBuild(env, envAliases, cli, explicitFile ? configFile : null, required: explicitFile);
        if (earlyFailure is not null)
        {
            return Refuse(earlyFailure);
        }

        var profile = early![ConfigurationKeys.Profile] ?? ProfileName.Default;
        var dataRoot = early[ConfigurationKeys.DataRoot] ?? DefaultDataRoot(env, profile);
        if (!explicitFile)
        {
            // Only JSON here: backup and restore carry the root's file by this name.
            var candidate = Path.Combine(dataRoot, ConfigurationFile.DefaultName);
            configFile = File.Exists(candidate) ? candidate : null;
        }

        var (root, failure) = TryBuild(env, envAliases, cli, configFile, required: explicitFile);
        if (failure is not null)
        {
            return Refuse(failure);
        }

        profile = root![ConfigurationKeys.Profile] ?? ProfileName.Default;
        dataRoot = root[ConfigurationKeys.DataRoot] ?? DefaultDataRoot(env, profile);
        var options = new StoreOptions
        {
            Profile = profile,
            DataRoot = Path.GetFullPath(dataRoot),
            Backend = root[ConfigurationKeys.StoreBackend] ?? StoreOptions.DefaultBackend,
            BackendSettings = ReadBackendSettings(root),
            Retention = new RetentionOptions
            {
                DefaultClass = root[ConfigurationKeys.RetentionDefaultClass] ?? "standard",
                Classes = ReadClasses(root, problems),
                SweepInterval = ReadDuration(root, ConfigurationKeys.SweepInterval, problems) ?? new RetentionOptions().SweepInterval,
            },
            Limits = new LimitOptions
            {
                MaxUploadBytes = ReadLong(root, ConfigurationKeys.MaxUploadBytes, new LimitOptions().MaxUploadBytes, long.MaxValue, problems),
                MaxFilesPerPackage = (int)ReadLong(root, ConfigurationKeys.MaxFilesPerPackage, new LimitOptions().MaxFilesPerPackage, int.MaxValue, problems),
                MaxLabelsPerPackage = (int)ReadLong(root, ConfigurationKeys.MaxLabelsPerPackage, new LimitOptions().MaxLabelsPerPackage, int.MaxValue, problems),
            },
            IdempotencyWindow = ReadDuration(root, ConfigurationKeys.IdempotencyWindow, problems) ?? TimeSpan.FromHours(24),
            Gc = new GcOptions
            {
                Interval = ReadDuration(root, ConfigurationKeys.GcInterval, problems) ?? new GcOptions().Interval,
                BlobGracePeriod = ReadDuration(root, ConfigurationKeys.GcBlobGracePeriod, problems) ?? new GcOptions().BlobGracePeriod,
                TombstoneRetention = ReadDuration(root, ConfigurationKeys.TombstoneRetention, problems) ?? new GcOptions().TombstoneRetention,
            },
            Uploads = new UploadOptions
            {
                SessionTimeout = ReadDuration(root, ConfigurationKeys.UploadSessionTimeout, problems) ?? new UploadOptions().SessionTimeout,
                MaxSessionBytes = ReadLong(root, ConfigurationKeys.UploadMaxSessionBytes, new UploadOptions().MaxSessionBytes, long.MaxValue, problems),
                MaxSessionsPerCaller = (int)ReadLong(root, ConfigurationKeys.UploadMaxSessionsPerCaller, new UploadOptions().MaxSessionsPerCaller, int.MaxValue, problems),
                InlineMaxBytes = ReadLong(root, ConfigurationKeys.UploadInlineMaxBytes, new UploadOptions().InlineMaxBytes, long.MaxValue, problems),
                InlineCacheBytes = ReadLong(root, ConfigurationKeys.UploadInlineCacheBytes, new UploadOptions().InlineCacheBytes, long.MaxValue, problems),
            },
            Events = new EventStreamOptions
            {
                StreamBuffer = (int)ReadLong(root, ConfigurationKeys.EventsStreamBuffer, new EventStreamOptions().StreamBuffer, int.MaxValue, problems),
                HeartbeatInterval = ReadDuration(root, ConfigurationKeys.EventsHeartbeatInterval, problems) ?? new EventStreamOptions().HeartbeatInterval,
                PollInterval = ReadDuration(root, ConfigurationKeys.EventsPollInterval, problems) ?? new EventStreamOptions().PollInterval,
            },
            Jobs = new JobOptions
            {
                Slots = (int)ReadLong(root, ConfigurationKeys.JobSlots, new JobOptions().Slots, 1024, problems),
                LeaseDuration = ReadDuration(root, ConfigurationKeys.JobLeaseDuration, problems) ?? new JobOptions().LeaseDuration,
                KillGracePeriod = ReadDuration(root, ConfigurationKeys.JobKillGracePeriod, problems) ?? new JobOptions().KillGracePeriod,
                PollInterval = ReadDuration(root, ConfigurationKeys.JobPollInterval, problems) ?? new JobOptions().PollInterval,
                Types = ReadJobTypes(root, problems),
            },
            Readiness = new ReadinessOptions
            {
                MinFreeSpaceBytes = ReadLong(root, ConfigurationKeys.ReadinessMinFreeSpace, new ReadinessOptions().MinFreeSpaceBytes, long.MaxValue, problems),
                CheckInterval = ReadDuration(root, ConfigurationKeys.ReadinessCheckInterval, problems) ?? new ReadinessOptions().CheckInterval,
                ExpectedRevision = string.IsNullOrWhiteSpace(root[ConfigurationKeys.ReadinessExpectedRevision]) ? null : root[ConfigurationKeys.ReadinessExpectedRevision]!.Trim(),
            },
            ShutdownGracePeriod = ReadDuration(root, ConfigurationKeys.ShutdownGracePeriod, problems) ?? StoreOptions.DefaultShutdownGracePeriod,
            Downloads = new DownloadOptions
            {
                InlineActiveContent = ReadBool(root, ConfigurationKeys.DownloadsInlineActiveContent, new DownloadOptions().InlineActiveContent, problems),
                LookupCacheFiles = ReadCount(root, ConfigurationKeys.DownloadsLookupCacheFiles, new DownloadOptions().LookupCacheFiles, 100_000_000, problems),
            },
            Metrics = new MetricsOptions
            {
                AllowAnonymous = ReadBool(root, ConfigurationKeys.MetricsAllowAnonymous, new MetricsOptions().AllowAnonymous, problems),
            },
            Oci = new OciOptions { Repositories = ReadOciRepositories(root, problems) },
        };
        problems.AddRange(options.Validate());
        if (Hosting.StoreBackends.Check(options.Backend) is { } backendProblem)
        {
            problems.Add(backendProblem);
        }
        else
        {
            // The backend's own keys (Store:Postgres:*, Store:S3:*), checked by the backend that reads them.
            problems.AddRange(Hosting.StoreBackends.Find(options).CheckSettings());
        }

        var urls = root[ConfigurationKeys.Urls] ?? ConfigurationKeys.DefaultUrls;
        return new LoadedConfiguration(root, options, problems, configFile, urls);
    }

    /// <summary>Every key under <c>Store:</c> with a value, but <c>Store:Backend</c>: the backend's own settings.</summary>
    private static StoreBackendSettings ReadBackendSettings(IConfiguration root) =>
        new(root.GetSection("Store").AsEnumerable()
            .Where(p => p.Value is not null && !p.Key.Equals(ConfigurationKeys.StoreBackend, StringComparison.OrdinalIgnoreCase))
            .Select(p => KeyValuePair.Create(p.Key, p.Value!)));

    public static string DefaultDataRoot(IReadOnlyDictionary<string, string?> env, string profile)
    {
        var home = env.GetValueOrDefault("ARTIFACTSTORE_HOME");
        var baseDirectory = string.IsNullOrEmpty(home) ? Path.Combine(Environment.CurrentDirectory, ".artifactstore") : home;
        return Path.Combine(baseDirectory, profile);
    }

    /// <summary>The root, or the one-line account of a configuration file that cannot be read.</summary>
    private static (IConfigurationRoot? Root, string? Failure) TryBuild(
        Dictionary<string, string?> env,
        Dictionary<string, string?> envAliases,
        Dictionary<string, string?> cli,
        string? configFile,
        bool required)
    {
        try
        {
            return (Build(env, envAliases, cli, configFile, required), null);
        }
        catch (Exception e) when (configFile is not null && e is InvalidDataException or FormatException or IOException or UnauthorizedAccessException)
        {
            return (null, ConfigurationFile.DescribeFailure(configFile, e));
        }
    }

    /// <summary>
    /// Environment variable names are case-sensitive but configuration keys are not, so two variables
    /// that differ only in case would set one key and one of them would be lost without a word.
    /// </summary>
    private static List<string> EnvironmentCollisions(Dictionary<string, string?> env) =>
        env.Keys
            .Where(k => k.StartsWith(ConfigurationKeys.EnvironmentPrefix, StringComparison.Ordinal))
            .GroupBy(k => k, StringComparer.OrdinalIgnoreCase)
            .Where(g => g.Count() > 1)
            .Select(g => $"environment variables {string.Join(" and ", g.Order(StringComparer.Ordinal))} set the same key (keys are case-insensitive); set only one")
            .ToList();

    private static IConfigurationRoot Build(
        Dictionary<string, string?> env,
        Dictionary<string, string?> envAliases,
        Dictionary<string, string?> cli,
        string? configFile,
        bool required)
    {
        var builder = new ConfigurationBuilder();
        if (configFile is not null)
        {
            ConfigurationFile.AddTo(builder, configFile, optional: !required);
        }

        var fromEnvironment = env
            .Where(e => e.Key.StartsWith(ConfigurationKeys.EnvironmentPrefix, StringComparison.Ordinal))
            .Select(e => KeyValuePair.Create(e.Key[ConfigurationKeys.EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal), e.Value))
            .Concat(envAliases)
            .GroupBy(p => p.Key, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.OrdinalIgnoreCase);
        builder.Add(new NamedMemoryProvider("environment", fromEnvironment));
        builder.Add(new NamedMemoryProvider("command line", cli));
        return builder.Build();
    }

    private static Dictionary<string, RetentionClass> ReadClasses(IConfiguration root, List<string> problems)
    {
        var classes = RetentionOptions.BuiltIn.ToDictionary(c => c.Name, StringComparer.Ordinal);
        foreach (var section in root.GetSection(ConfigurationKeys.RetentionClasses).GetChildren())
        {
            var name = NameOf(section);
            var key = $"{ConfigurationKeys.RetentionClasses}:{name}";
            var unknown = section.GetChildren().Select(c => c.Key).Where(k => !k.Equals("Duration", StringComparison.OrdinalIgnoreCase)).ToList();
            if (unknown.Count > 0)
            {
                problems.Add($"{key}: unknown setting(s) {string.Join(", ", unknown)} (only Duration)");
            }

            var duration = ReadDuration(root, $"{key}:Duration", problems);
            classes[name] = new RetentionClass(name, duration);
        }

        return classes;
    }

    /// <summary>
    /// A retention class or job type name is the key of its section, and configuration keys are
    /// case-insensitive: an environment variable can only spell it in upper case, and which spelling
    /// .NET reports is not defined. So names from configuration are known by their lower-case form.
    /// </summary>
    private static string NameOf(IConfigurationSection section) => section.Key.ToLowerInvariant();

    /// <summary>
    /// <c>Oci:Repositories:&lt;pattern&gt;:Class</c>. Configuration keys are case-insensitive and repository names are
    /// lower-case, so patterns are known by their lower-case form, as class names are.
    /// </summary>
    private static List<OciRepositoryRule> ReadOciRepositories(IConfiguration root, List<string> problems)
    {
        var rules = new List<OciRepositoryRule>();
        foreach (var section in root.GetSection(ConfigurationKeys.OciRepositories).GetChildren())
        {
            var pattern = NameOf(section);
            var key = $"{ConfigurationKeys.OciRepositories}:{pattern}";
            var unknown = section.GetChildren().Select(c => c.Key).Where(k => !k.Equals("Class", StringComparison.OrdinalIgnoreCase)).ToList();
            if (unknown.Count > 0)
            {
                problems.Add($"{key}: unknown setting(s) {string.Join(", ", unknown)} (only Class)");
            }

            if (string.IsNullOrWhiteSpace(section["Class"]))
            {
                problems.Add($"{key}:Class: required (the retention class of images pushed to matching repositories)");
                continue;
            }

            rules.Add(new OciRepositoryRule(pattern, section["Class"]!.Trim().ToLowerInvariant()));
        }

        return rules;
    }

    private static readonly string[] JobTypeSettings = ["Command", "Timeout", "MaxAttempts", "Backoff", "InputClass", "OutputClass", "PassEnvironment"];

    private static Dictionary<string, JobType> ReadJobTypes(IConfiguration root, List<string> problems)
    {
        var types = new Dictionary<string, JobType>(StringComparer.Ordinal);
        foreach (var section in root.GetSection(ConfigurationKeys.JobTypes).GetChildren())
        {
            var name = NameOf(section);
            var key = $"{ConfigurationKeys.JobTypes}:{name}";
            var unknown = section.GetChildren().Select(c => c.Key).Where(k => !JobTypeSettings.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
            if (unknown.Count > 0)
            {
                problems.Add($"{key}: unknown setting(s) {string.Join(", ", unknown)} (known: {string.Join(", ", JobTypeSettings)})");
            }

            var command = section.GetSection("Command");
            if (command.Value is not null)
            {
                problems.Add($"{key}:Command: must be an array (program, then arguments), for example [\"pdftotext\", \"{{input}}\", \"{{output_dir}}/text.txt\"]; no shell is involved");
            }

            var passEnvironment = section.GetSection("PassEnvironment");
            if (passEnvironment.Value is not null)
            {
                problems.Add($"{key}:PassEnvironment: must be an array of variable names, for example [\"PDFTOTEXT_OPTS\"]");
            }

            var defaults = new JobType(name);
            types[name] = defaults with
            {
                Command = ArrayOf(command),
                PassEnvironment = ArrayOf(passEnvironment),
                Timeout = ReadDuration(root, $"{key}:Timeout", problems) ?? defaults.Timeout,
                MaxAttempts = (int)ReadLong(root, $"{key}:MaxAttempts", defaults.MaxAttempts, 100, problems),
                Backoff = ReadDuration(root, $"{key}:Backoff", problems) ?? defaults.Backoff,
                InputClass = section["InputClass"] ?? defaults.InputClass,
                OutputClass = section["OutputClass"] ?? defaults.OutputClass,
            };
        }

        return types;
    }

    /// <summary>The elements of an array section, in index order.</summary>
    private static List<string> ArrayOf(IConfigurationSection section) => section.GetChildren()
        .OrderBy(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : int.MaxValue)
        .Select(c => c.Value ?? string.Empty)
        .ToList();

    private static TimeSpan? ReadDuration(IConfiguration root, string key, List<string> problems)
    {
        var raw = root[key];
        if (string.IsNullOrEmpty(raw))
        {
            return null;
        }

        if (TimeSpan.TryParse(raw, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        problems.Add($"{key}: '{raw}' is not a duration (use d.hh:mm:ss, for example 7.00:00:00 or 00:00:03)");
        return null;
    }

    private static bool ReadBool(IConfiguration root, string key, bool fallback, List<string> problems)
    {
        var raw = root[key];
        if (string.IsNullOrEmpty(raw))
        {
            return fallback;
        }

        if (bool.TryParse(raw, out var value))
        {
            return value;
        }

        problems.Add($"{key}: '{raw}' is not true or false");
        return fallback;
    }

    /// <summary>A count: a whole number from 0 to <paramref name="max"/>.</summary>
    private static long ReadCount(IConfiguration root, string key, long fallback, long max, List<string> problems)
    {
        var raw = root[key];
        if (string.IsNullOrEmpty(raw))
        {
            return fallback;
        }

        if (long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 0 && value <= max)
        {
            return value;
        }

        problems.Add($"{key}: '{raw}' is not a whole number from 0 to {max}");
        return fallback;
    }

    private static long ReadLong(IConfiguration root, string key, long fallback, long max, List<string> problems)
    {
        var raw = root[key];
        if (string.IsNullOrEmpty(raw))
        {
            return fallback;
        }

        if (long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value <= max)
        {
            return value;
        }

        problems.Add($"{key}: '{raw}' is not a whole number (at most {max})");
        return fallback;
    }
}
