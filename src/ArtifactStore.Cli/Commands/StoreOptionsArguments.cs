using System.CommandLine;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Roots;
using ArtifactStore.Server.Configuration;
using ArtifactStore.Server.Hosting;

namespace ArtifactStore.Cli.Commands;

/// <summary>The options every command that opens a store shares: --data-root, --profile, --config.</summary>
internal sealed class StoreOptionsArguments
{
    public Option<string?> DataRoot { get; } = new("--data-root") { Description = "The data root directory (default: <ARTIFACTSTORE_HOME or ./.artifactstore>/<profile>)." };

    public Option<string?> Profile { get; } = new("--profile") { Description = "The lane this process serves (default: dev)." };

    public Option<string?> Config { get; } = new("--config") { Description = "A configuration file, .json or .toml (default: <data root>/artifactstore.json if present)." };

    public void AddTo(Command command)
    {
        command.Options.Add(DataRoot);
        command.Options.Add(Profile);
        command.Options.Add(Config);
    }

    /// <summary>
    /// Adds these options to <paramref name="command"/> and runs <paramref name="action"/> only with a valid
    /// configuration; otherwise every problem is printed and the command exits 2 without touching the root.
    /// </summary>
    public void SetAction(Command command, Func<ParseResult, LoadedConfiguration, CancellationToken, Task<int>> action)
    {
        AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var loaded = Load(parse);
            return loaded.IsValid ? await action(parse, loaded, cancellationToken) : ReportProblems(loaded);
        });
    }

    /// <summary>Loads configuration with the given options as the highest-precedence source.</summary>
    public LoadedConfiguration Load(ParseResult parse, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (parse.GetValue(DataRoot) is { } dataRoot)
        {
            values[ConfigurationKeys.DataRoot] = Path.GetFullPath(dataRoot);
        }

        if (parse.GetValue(Profile) is { } profile)
        {
            values[ConfigurationKeys.Profile] = profile;
        }

        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        return StoreConfiguration.Load(values, parse.GetValue(Config));
    }

    /// <summary>Opens the store the configuration names; on failure prints why and returns the exit code instead.</summary>
    public static async Task<(StoreRuntime? Runtime, int ExitCode)> OpenAsync(LoadedConfiguration loaded, CancellationToken cancellationToken)
    {
        if (!loaded.IsValid)
        {
            return (null, ReportProblems(loaded));
        }

        Result<StoreRuntime> opened;
        try
        {
            opened = await StoreRuntime.OpenAsync(loaded.Options!, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (StorageFull.IsCause(e))
        {
            // Opening the database writes too (its WAL index, leftovers of the last run): one line, no stack trace.
            await Console.Error.WriteLineAsync($"artifactstore: cannot open the data root {loaded.Options!.DataRoot}: {StorageFull.Message} ({RootCause(e)})");
            return (null, ExitCodes.InsufficientStorage);
        }

        if (!opened.IsSuccess)
        {
            await Console.Error.WriteLineAsync($"artifactstore: cannot open the data root: {opened.Error.Message}");
            return (null, opened.Error.Code == ErrorCodes.InsufficientStorage ? ExitCodes.InsufficientStorage : ExitCodes.RootUnavailable);
        }

        return (opened.Value, ExitCodes.Ok);
    }

    /// <summary>What the innermost failure said, on one line (the operating system's or the database's words).</summary>
    private static string RootCause(Exception failure)
    {
        var cause = failure;
        while (cause.InnerException is not null)
        {
            cause = cause.InnerException;
        }

        return cause.Message.ReplaceLineEndings(" ");
    }

    /// <summary>
    /// Reads the root's marker without opening or locking the root (for commands that only read it, or
    /// must check it before taking it); on failure prints why and returns null.
    /// </summary>
    public static async Task<RootMarker?> InspectAsync(StoreOptions options, bool requireCurrent)
    {
        var inspected = Core.Roots.DataRoot.Inspect(options.DataRoot, options.Profile, requireCurrent);
        if (inspected.IsSuccess)
        {
            return inspected.Value;
        }

        await Console.Error.WriteLineAsync($"artifactstore: {inspected.Error.Message}");
        return null;
    }

    /// <summary>Prints every configuration problem (one alone on one line) and returns the exit code for "invalid configuration".</summary>
    public static int ReportProblems(LoadedConfiguration loaded)
    {
        if (loaded.Problems.Count == 1)
        {
            Console.Error.WriteLine($"artifactstore: the configuration is invalid: {loaded.Problems[0]}");
            return ExitCodes.InvalidConfiguration;
        }

        Console.Error.WriteLine("artifactstore: the configuration is invalid:");
        foreach (var problem in loaded.Problems)
        {
            Console.Error.WriteLine($"  - {problem}");
        }

        return ExitCodes.InvalidConfiguration;
    }
}
