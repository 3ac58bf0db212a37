using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Oci;
using ArtifactStore.Server.Configuration;
using ArtifactStore.Server.Hosting;

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
                Print(loaded, ConfigurationKeys.StoreBackend, options.Backend);
                PrintBackendSettings(loaded, options);
                Print(loaded, ConfigurationKeys.Urls, loaded.Urls);
                Print(loaded, ConfigurationKeys.RetentionDefaultClass, options.Retention.DefaultClass);
                foreach (var retentionClass in options.Retention.Classes.Values.OrderBy(c => c.Name, StringComparer.Ordinal))
                {
                    // A class given without a Duration comes from where its (empty) section was given.
                    var section = $"{ConfigurationKeys.RetentionClasses}:{retentionClass.Name}";
                    var key = $"{section}:Duration";
                    var source = loaded.SourceOf(key);
                    if (source == "default")
                    {
                        source = loaded.SourceOf(section);
                    }

                    Print(key, retentionClass.Duration?.ToString() ?? "(never expires)", source);
                }

                Print(loaded, ConfigurationKeys.MaxUploadBytes, options.Limits.MaxUploadBytes.ToString(CultureInfo.InvariantCulture));
                Print(loaded, ConfigurationKeys.MaxFilesPerPackage, options.Limits.MaxFilesPerPackage.ToString(CultureInfo.InvariantCulture));
                Print(loaded, ConfigurationKeys.MaxLabelsPerPackage, options.Limits.MaxLabelsPerPackage.ToString(CultureInfo.InvariantCulture));
                Print(loaded, ConfigurationKeys.IdempotencyWindow, options.IdempotencyWindow.ToString());
                Print(loaded, ConfigurationKeys.SweepInterval, options.Retention.SweepInterval.ToString());
                Print(loaded, ConfigurationKeys.GcInterval, options.Gc.Interval.ToString());
                Print(loaded, ConfigurationKeys.GcBlobGracePeriod, options.Gc.BlobGracePeriod.ToString());
                Print(loaded, ConfigurationKeys.TombstoneRetention, options.Gc.TombstoneRetention.ToString());
                PrintUploads(loaded, options.Uploads);
                PrintEvents(loaded, options.Events);
                Print(loaded, ConfigurationKeys.ReadinessMinFreeSpace, options.Readiness.MinFreeSpaceBytes.ToString(CultureInfo.InvariantCulture));
                Print(loaded, ConfigurationKeys.ReadinessCheckInterval, options.Readiness.CheckInterval.ToString());
                Print(loaded, ConfigurationKeys.ReadinessExpectedRevision, options.Readiness.ExpectedRevision ?? "(not checked)");
                Print(loaded, ConfigurationKeys.ShutdownGracePeriod, options.ShutdownGracePeriod.ToString());
                Print(loaded, ConfigurationKeys.DownloadsInlineActiveContent, options.Downloads.InlineActiveContent ? "true" : "false");
                Print(loaded, ConfigurationKeys.DownloadsLookupCacheFiles, options.Downloads.LookupCacheFiles.ToString(CultureInfo.InvariantCulture));
                Print(loaded, ConfigurationKeys.MetricsAllowAnonymous, options.Metrics.AllowAnonymous ? "true" : "false");
                PrintOci(loaded, options.Oci);
                PrintJobs(loaded, options.Jobs);
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

    /// <summary>The keys the chosen backend reads; secrets are never printed, only whether they are set.</summary>
    private static void PrintBackendSettings(LoadedConfiguration loaded, StoreOptions options)
    {
        if (StoreBackends.Check(options.Backend) is not null)
        {
            return;
        }

        foreach (var setting in StoreBackends.Find(options).Settings)
        {
            var value = options.BackendSettings[setting.Key];
            Print(loaded, setting.Key, value is null ? "(not set)" : setting.IsSecret ? "(set, redacted)" : value);
        }
    }

    private static void PrintUploads(LoadedConfiguration loaded, UploadOptions uploads)
    {
        Print(loaded, ConfigurationKeys.UploadSessionTimeout, uploads.SessionTimeout.ToString());
        Print(loaded, ConfigurationKeys.UploadMaxSessionBytes, uploads.MaxSessionBytes.ToString(CultureInfo.InvariantCulture));
        Print(loaded, ConfigurationKeys.UploadMaxSessionsPerCaller, uploads.MaxSessionsPerCaller.ToString(CultureInfo.InvariantCulture));
        Print(loaded, ConfigurationKeys.UploadInlineMaxBytes, uploads.InlineMaxBytes.ToString(CultureInfo.InvariantCulture));
        Print(loaded, ConfigurationKeys.UploadInlineCacheBytes, uploads.InlineCacheBytes.ToString(CultureInfo.InvariantCulture));
    }

    private static void PrintEvents(LoadedConfiguration loaded, EventStreamOptions events)
    {
        Print(loaded, ConfigurationKeys.EventsStreamBuffer, events.StreamBuffer.ToString(CultureInfo.InvariantCulture));
        Print(loaded, ConfigurationKeys.EventsHeartbeatInterval, events.HeartbeatInterval.ToString());
        Print(loaded, ConfigurationKeys.EventsPollInterval, events.PollInterval.ToString());
    }

    /// <summary>One line per repository pattern; none are built in, so an unconfigured store prints none.</summary>
    private static void PrintOci(LoadedConfiguration loaded, OciOptions oci)
    {
        foreach (var rule in oci.Repositories.OrderBy(r => r.Pattern, StringComparer.Ordinal))
        {
            Print(loaded, $"{ConfigurationKeys.OciRepositories}:{rule.Pattern}:Class", rule.Class);
        }
    }

    private static void PrintJobs(LoadedConfiguration loaded, JobOptions jobs)
    {
        Print(loaded, ConfigurationKeys.JobSlots, jobs.Slots.ToString(CultureInfo.InvariantCulture));
        Print(loaded, ConfigurationKeys.JobLeaseDuration, jobs.LeaseDuration.ToString());
        Print(loaded, ConfigurationKeys.JobKillGracePeriod, jobs.KillGracePeriod.ToString());
        Print(loaded, ConfigurationKeys.JobPollInterval, jobs.PollInterval.ToString());
        foreach (var type in jobs.Types.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            var key = $"{ConfigurationKeys.JobTypes}:{type.Name}";

            // The command is an array: its source is the source of its first element.
            Print($"{key}:Command", JsonSerializer.Serialize(type.Command, AsWritten), loaded.SourceOf($"{key}:Command:0"));
            Print(loaded, $"{key}:Timeout", type.Timeout.ToString());
            Print(loaded, $"{key}:MaxAttempts", type.MaxAttempts.ToString(CultureInfo.InvariantCulture));
            Print(loaded, $"{key}:Backoff", type.Backoff.ToString());
            Print(loaded, $"{key}:InputClass", type.InputClass);
            Print(loaded, $"{key}:OutputClass", type.OutputClass);
            Print($"{key}:PassEnvironment", JsonSerializer.Serialize(type.PassEnvironment, AsWritten), loaded.SourceOf($"{key}:PassEnvironment:0"));
        }
    }

    /// <summary>Arguments as the operator wrote them ('+', '&amp;' and '&lt;' unescaped).</summary>
    private static readonly JsonSerializerOptions AsWritten = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static void Print(LoadedConfiguration loaded, string key, string value) =>
        Print(key, value, loaded.SourceOf(key));

    private static void Print(string key, string value, string source) =>
        Console.WriteLine($"{key} = {value}    ({source})");
}
