using System.Collections;
using System.CommandLine;
using System.Globalization;
using ArtifactStore.Core.Errors;
using ArtifactStore.Server.Configuration;
using ArtifactStore.Server.Hosting;
using ArtifactStore.Server.Operations;

namespace ArtifactStore.Cli.Commands;

/// <summary>
/// <c>artifactstore copy-store --from-data-root DIR [--from-config FILE] --to-data-root DIR [--to-config FILE] [--profile P]</c>:
/// copies a store into an empty one of any backend (embedded → scale-out, or the reverse), or finishes an
/// interrupted copy (docs/recovery.md, "copy-store"). Each side is described by its own configuration
/// file (its <c>Store:*</c> keys choose the backend) and data root. The <c>ARTIFACTSTORE_*</c>
/// environment variables are not read, because they would describe both sides at once.
/// </summary>
internal static class CopyStoreCommand
{
    public static Command Create()
    {
        var fromRoot = new Option<string?>("--from-data-root") { Description = "The source's data root (an embedded store's root; a scale-out replica's local directory)." };
        var fromConfig = new Option<string?>("--from-config") { Description = "The source's configuration file, .json or .toml (its Store:* keys; default: <source root>/artifactstore.json if present)." };
        var toRoot = new Option<string?>("--to-data-root") { Description = "The target's data root (a new or empty directory for an embedded target; a local directory for scale-out)." };
        var toConfig = new Option<string?>("--to-config") { Description = "The target's configuration file, .json or .toml (its Store:* keys; default: <target root>/artifactstore.json if present)." };
        var profile = new Option<string?>("--profile") { Description = "The lane of both stores (default: the configuration files' Profile, else dev); both must be the same lane." };
        var command = new Command("copy-store", "Copy a store into an empty store of another backend (embedded to scale-out, or back), verified; run again to finish an interrupted copy.");
        command.Options.Add(fromRoot);
        command.Options.Add(fromConfig);
        command.Options.Add(toRoot);
        command.Options.Add(toConfig);
        command.Options.Add(profile);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var source = Load(parse.GetValue(fromRoot), parse.GetValue(fromConfig), parse.GetValue(profile));
            var target = Load(parse.GetValue(toRoot), parse.GetValue(toConfig), parse.GetValue(profile));
            foreach (var side in new[] { source, target })
            {
                if (!side.IsValid)
                {
                    return StoreOptionsArguments.ReportProblems(side);
                }
            }

            var (from, to) = (source.Options!, target.Options!);
            if (from.Profile != to.Profile)
            {
                await Console.Error.WriteLineAsync($"artifactstore: copy-store refused: the source is lane '{from.Profile}' and the target lane '{to.Profile}'; a store is copied only within its lane");
                return ExitCodes.InvalidConfiguration;
            }

            if (Path.GetFullPath(from.DataRoot) == Path.GetFullPath(to.DataRoot))
            {
                await Console.Error.WriteLineAsync($"artifactstore: copy-store refused: the source and the target both use the data root {Path.GetFullPath(from.DataRoot)}; give each its own (--from-data-root, --to-data-root)");
                return ExitCodes.InvalidConfiguration;
            }

            // A source whose store lives in its data root must be one: opening would otherwise create an empty store to copy.
            if (StoreBackends.Find(from).Layout.Directories.Count > 0 && await StoreOptionsArguments.InspectAsync(from, requireCurrent: false) is null)
            {
                return ExitCodes.RootUnavailable;
            }

            Console.WriteLine($"copy-store: {Describe(from)} to {Describe(to)}, lane '{from.Profile}'");
            var (opened, exitCode) = await StoreOptionsArguments.OpenAsync(source, cancellationToken);
            if (opened is null)
            {
                return exitCode;
            }

            await using var sourceStore = opened;
            (opened, exitCode) = await StoreOptionsArguments.OpenAsync(target, cancellationToken);
            if (opened is null)
            {
                return exitCode;
            }

            await using var targetStore = opened;
            var result = await StoreCopy.RunAsync(
                new CopyEnd(sourceStore.Database, sourceStore.Blobs, Describe(from)),
                new CopyEnd(targetStore.Database, targetStore.Blobs, Describe(to)),
                TimeProvider.System,
                line => Console.WriteLine($"  {line}"),
                cancellationToken);
            if (!result.IsSuccess)
            {
                await Console.Error.WriteLineAsync($"artifactstore: copy-store {(result.Error.Code == OperationErrorCodes.TargetNotEmpty ? "refused" : "failed")} ({result.Error.Code}): {result.Error.Message}");
                return result.Error.Code == OperationErrorCodes.TargetNotEmpty ? ExitCodes.TargetNotEmpty : ExitCodes.Failed;
            }

            var summary = result.Value;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
                copy complete and verified: {Describe(to)}
                  events:      {summary.HeadSeq} (head hash {Convert.ToHexStringLower(summary.HeadHash)}), {summary.EventsCopied} copied by this run, hash chain verified
                  blobs:       {summary.Blobs}, {summary.BlobsCopied} copied by this run ({summary.BytesCopied} bytes), SHA-256 and BLAKE3 of each verified in the target
                  unreferenced blobs already reaped in the source (not copied): {summary.ReapedNotCopied}
                  idempotency records: {summary.IdempotencyRecords}
                  took {summary.Elapsed.TotalSeconds:0.00} s
                """));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static LoadedConfiguration Load(string? dataRoot, string? configFile, string? profile)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (dataRoot is not null)
        {
            values[ConfigurationKeys.DataRoot] = Path.GetFullPath(dataRoot);
        }

        if (profile is not null)
        {
            values[ConfigurationKeys.Profile] = profile;
        }

        return StoreConfiguration.Load(values, configFile, WithoutStoreVariables());
    }

    /// <summary>The process environment without <c>ARTIFACTSTORE_*</c>, which would apply to both sides.</summary>
    private static Hashtable WithoutStoreVariables()
    {
        var environment = new Hashtable(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && !name.StartsWith(ConfigurationKeys.EnvironmentPrefix, StringComparison.Ordinal))
            {
                environment[name] = entry.Value;
            }
        }

        return environment;
    }

    private static string Describe(Core.Configuration.StoreOptions options) =>
        $"the {options.Backend} store of {Path.GetFullPath(options.DataRoot)}";
}
