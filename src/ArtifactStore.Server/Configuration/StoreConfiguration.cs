using System.Collections;
using System.Globalization;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Gc;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Retention;
using ArtifactStore.Core.Roots;
using Microsoft.Extensions.Configuration;

namespace ArtifactStore.Server.Configuration;

/// <summary>
/// Loads configuration with the standard .NET providers, lowest precedence first: built-in defaults,
/// the JSON file, environment variables (<c>ARTIFACTSTORE_</c>, <c>__</c> for nesting), the command
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

        if (explicitFile && !File.Exists(configFile))
        {
            var empty = Build(env, envAliases, cli, null, required: false);
            return new LoadedConfiguration(empty, null, [$"configuration file {Path.GetFullPath(configFile!)} does not exist"], configFile, ConfigurationKeys.DefaultUrls);
        }

        // The file may live in the root, so the root is found first from the sources above the file.
        var early = Build(env, envAliases, cli, explicitFile ? configFile : null, required: explicitFile);
        var profile = early[ConfigurationKeys.Profile] ?? ProfileName.Default;
        var dataRoot = early[ConfigurationKeys.DataRoot] ?? DefaultDataRoot(env, profile);
        if (!explicitFile)
        {
            var candidate = Path.Combine(dataRoot, "artifactstore.json");
            configFile = File.Exists(candidate) ? candidate : null;
        }

        var problems = new List<string>();
        IConfigurationRoot root;
        try
        {
            root = Build(env, envAliases, cli, configFile, required: explicitFile);
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException or FormatException or IOException)
        {
            problems.Add($"configuration file {configFile}: {e.Message}");
            return new LoadedConfiguration(early, null, problems, configFile, ConfigurationKeys.DefaultUrls);
        }

        profile = root[ConfigurationKeys.Profile] ?? ProfileName.Default;
        dataRoot = root[ConfigurationKeys.DataRoot] ?? DefaultDataRoot(env, profile);
        var options = new StoreOptions
        {
            Profile = profile,
            DataRoot = Path.GetFullPath(dataRoot),
            Backend = root[ConfigurationKeys.StoreBackend] ?? StoreOptions.DefaultBackend,
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
        };
        problems.AddRange(options.Validate());
        if (Hosting.StoreBackends.Check(options.Backend) is { } backendProblem)
        {
            problems.Add(backendProblem);
        }

        var urls = root[ConfigurationKeys.Urls] ?? ConfigurationKeys.DefaultUrls;
        return new LoadedConfiguration(root, options, problems, configFile, urls);
    }

    public static string DefaultDataRoot(IReadOnlyDictionary<string, string?> env, string profile)
    {
        var home = env.GetValueOrDefault("ARTIFACTSTORE_HOME");
        var baseDirectory = string.IsNullOrEmpty(home) ? Path.Combine(Environment.CurrentDirectory, ".artifactstore") : home;
        return Path.Combine(baseDirectory, profile);
    }

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
            builder.AddJsonFile(Path.GetFullPath(configFile), optional: !required, reloadOnChange: false);
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
            var durationKey = $"{ConfigurationKeys.RetentionClasses}:{section.Key}:Duration";
            var unknown = section.GetChildren().Select(c => c.Key).Where(k => !k.Equals("Duration", StringComparison.OrdinalIgnoreCase)).ToList();
            if (unknown.Count > 0)
            {
                problems.Add($"{ConfigurationKeys.RetentionClasses}:{section.Key}: unknown setting(s) {string.Join(", ", unknown)} (only Duration)");
            }

            var raw = root[durationKey];
            if (string.IsNullOrEmpty(raw))
            {
                classes[section.Key] = new RetentionClass(section.Key, null);
                continue;
            }

            var duration = ReadDuration(root, durationKey, problems);
            classes[section.Key] = new RetentionClass(section.Key, duration);
        }

        return classes;
    }

    private static readonly string[] JobTypeSettings = ["Command", "Timeout", "MaxAttempts", "Backoff", "InputClass", "OutputClass"];

    private static Dictionary<string, JobType> ReadJobTypes(IConfiguration root, List<string> problems)
    {
        var types = new Dictionary<string, JobType>(StringComparer.Ordinal);
        foreach (var section in root.GetSection(ConfigurationKeys.JobTypes).GetChildren())
        {
            var key = $"{ConfigurationKeys.JobTypes}:{section.Key}";
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

            var defaults = new JobType(section.Key);
            types[section.Key] = defaults with
            {
                Command = command.GetChildren()
                    .OrderBy(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : int.MaxValue)
                    .Select(c => c.Value ?? string.Empty)
                    .ToList(),
                Timeout = ReadDuration(root, $"{key}:Timeout", problems) ?? defaults.Timeout,
                MaxAttempts = (int)ReadLong(root, $"{key}:MaxAttempts", defaults.MaxAttempts, 100, problems),
                Backoff = ReadDuration(root, $"{key}:Backoff", problems) ?? defaults.Backoff,
                InputClass = section["InputClass"] ?? defaults.InputClass,
                OutputClass = section["OutputClass"] ?? defaults.OutputClass,
            };
        }

        return types;
    }

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
