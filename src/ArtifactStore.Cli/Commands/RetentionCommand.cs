using System.CommandLine;
using ArtifactStore.Core.Time;
using ArtifactStore.Server.Http;

namespace ArtifactStore.Cli.Commands;

/// <summary><c>artifactstore retention sweep [--dry-run] [--as-of TIME]</c>.</summary>
internal static class RetentionCommand
{
    public static Command Create()
    {
        var access = new StoreAccess();
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would be marked eligible; change nothing." };
        var asOf = new Option<string?>("--as-of") { Description = "Sweep as of this RFC 3339 time (future times only with --dry-run)." };
        var sweep = new Command("sweep", "Mark expired, unheld, unpinned packages eligible for deletion.");
        access.AddTo(sweep);
        sweep.Options.Add(dryRun);
        sweep.Options.Add(asOf);
        sweep.SetAction(async (parse, cancellationToken) =>
        {
            var dry = parse.GetValue(dryRun);
            var at = parse.GetValue(asOf);
            DateTimeOffset? when = null;
            if (at is not null)
            {
                if (!Rfc3339.TryParse(at, out var parsed))
                {
                    await Console.Error.WriteLineAsync($"artifactstore: --as-of must be an RFC 3339 time with an offset, e.g. {Rfc3339.Example}");
                    return ExitCodes.Failed;
                }

                when = parsed;
            }

            return await access.RunAsync(parse,
                async (http, ct) =>
                {
                    var query = $"v1/admin/retention/sweep?dry_run={(dry ? "true" : "false")}" + (when is { } w ? "&as_of=" + Uri.EscapeDataString(Rfc3339.ToText(w)) : string.Empty);
                    using var response = await http.PostAsync(query, null, ct);
                    return await StoreAccess.PrintAsync(response, ct);
                },
                async (store, ct) =>
                {
                    if (!dry && when > store.Time.GetUtcNow())
                    {
                        await Console.Error.WriteLineAsync("artifactstore: --as-of may be in the future only with --dry-run");
                        return ExitCodes.Failed;
                    }

                    return await StoreAccess.PrintAsync(await store.Sweeper.RunAsync(when, dry, Environment.UserName, ct), ReportJson.Sweep);
                },
                cancellationToken);
        });
        return new Command("retention", "Retention operations.") { sweep };
    }
}
