using System.CommandLine;
using ArtifactStore.Server.Configuration;
using Microsoft.Extensions.Configuration;

namespace ArtifactStore.Cli.Commands;

/// <summary><c>artifactstore config show</c>: the effective configuration and where each value came from.</summary>
internal static class ConfigCommand
{
    public static Command Create()
    {
        var store = new StoreOptionsArguments();
        var show = new Command("show", "Print the effective configuration and the source of each value.");
        store.AddTo(show);
        show.SetAction(parse =>
        {
            var loaded = store.Load(parse);
            var options = loaded.Options;
            Console.WriteLine($"config file: {loaded.ConfigFile ?? "(none)"}");
            if (options is not null)
            {
                Print(loaded, ConfigurationKeys.Profile, options.Profile);
                Print(loaded, ConfigurationKeys.DataRoot, options.DataRoot);
                Print(loaded, ConfigurationKeys.Urls, loaded.Urls);
                Print(loaded, ConfigurationKeys.RetentionDefaultClass, options.Retention.DefaultClass);
                foreach (var retentionClass in options.Retention.Classes.Values.OrderBy(c => c.Name, StringComparer.Ordinal))
                {
                    var key = $"{ConfigurationKeys.RetentionClasses}:{retentionClass.Name}:Duration";
                    var source = loaded.Root.GetSection($"{ConfigurationKeys.RetentionClasses}:{retentionClass.Name}").Exists() ? loaded.SourceOf(key) : "default";
                    Print(key, retentionClass.Duration?.ToString() ?? "(never expires)", source);
                }

                Print(loaded, ConfigurationKeys.MaxUploadBytes, options.Limits.MaxUploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Print(loaded, ConfigurationKeys.MaxFilesPerPackage, options.Limits.MaxFilesPerPackage.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Print(loaded, ConfigurationKeys.MaxLabelsPerPackage, options.Limits.MaxLabelsPerPackage.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Print(loaded, ConfigurationKeys.IdempotencyWindow, options.IdempotencyWindow.ToString());
                Print(loaded, ConfigurationKeys.SweepInterval, options.Retention.SweepInterval.ToString());
                Print(loaded, ConfigurationKeys.GcInterval, options.Gc.Interval.ToString());
                Print(loaded, ConfigurationKeys.GcBlobGracePeriod, options.Gc.BlobGracePeriod.ToString());
                Print(loaded, ConfigurationKeys.TombstoneRetention, options.Gc.TombstoneRetention.ToString());
                Print(loaded, ConfigurationKeys.ReadinessMinFreeSpace, options.Readiness.MinFreeSpaceBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Print(loaded, ConfigurationKeys.ReadinessCheckInterval, options.Readiness.CheckInterval.ToString());
                Print(loaded, ConfigurationKeys.ReadinessExpectedRevision, options.Readiness.ExpectedRevision ?? "(not checked)");
                Print(loaded, ConfigurationKeys.ShutdownGracePeriod, options.ShutdownGracePeriod.ToString());
            }

            if (!loaded.IsValid)
            {
                return StoreOptionsArguments.ReportProblems(loaded);
            }

            return ExitCodes.Ok;
        });
        var command = new Command("config", "Inspect configuration.") { show };
        return command;
    }

    private static void Print(Server.Configuration.LoadedConfiguration loaded, string key, string value) =>
        Print(key, value, loaded.SourceOf(key));

    private static void Print(string key, string value, string source) =>
        Console.WriteLine($"{key} = {value}    ({source})");
}
