using System.CommandLine;
using System.Net.Http.Json;
using ArtifactStore.Contract;
using ArtifactStore.Core.Time;
using ArtifactStore.Server.Http;

namespace ArtifactStore.Cli.Commands;

/// <summary>
/// <c>artifactstore retention sweep [--dry-run] [--as-of TIME]</c>, and the operator's per-package actions
/// <c>extend|hold|release|pin|unpin</c>, which a running server records with the token's actor and a reason.
/// </summary>
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
        return new Command("retention", "Retention operations.")
        {
            sweep,
            Extend(),
            Action("hold", "Place a legal hold on a package (no deletion while any hold is active); prints the hold and its id.", "holds"),
            Release(),
            Action("pin", "Pin a package: it never expires while pinned.", "pin"),
            Action("unpin", "Unpin a package: its expiry applies again.", "unpin"),
        };
    }

    private static Command Extend()
    {
        var access = new StoreAccess();
        var id = new Argument<string>("id") { Description = "The package id." };
        var until = new Option<string>("--until") { Description = $"The new expiry, an RFC 3339 time later than the current one (e.g. {Rfc3339.Example}).", Required = true };
        var reason = ReasonOption();
        var command = new Command("extend", "Move a package's expiry later; prints its retention.") { id, until, reason };
        access.AddTo(command);
        command.SetAction((parse, ct) => access.RunRemoteAsync(parse, (_, http, token) =>
            PostAsync(http, $"v1/packages/{Uri.EscapeDataString(parse.GetValue(id)!)}/retention/extensions",
                new ExtendRequest(parse.GetValue(until)!, parse.GetValue(reason)!), token), ct));
        return command;
    }

    private static Command Release()
    {
        var access = new StoreAccess();
        var id = new Argument<string>("id") { Description = "The package id." };
        var hold = new Argument<string>("hold-id") { Description = "The hold's id (printed by 'retention hold', and in the package's retention)." };
        var reason = ReasonOption();
        var command = new Command("release", "Release a hold on a package.") { id, hold, reason };
        access.AddTo(command);
        command.SetAction((parse, ct) => access.RunRemoteAsync(parse, (_, http, token) =>
            PostAsync(http, $"v1/packages/{Uri.EscapeDataString(parse.GetValue(id)!)}/retention/holds/{Uri.EscapeDataString(parse.GetValue(hold)!)}/release",
                new ReasonRequest(parse.GetValue(reason)!), token), ct));
        return command;
    }

    /// <summary>hold, pin and unpin: a package id and a reason, posted to <c>retention/{path}</c>.</summary>
    private static Command Action(string name, string description, string path)
    {
        var access = new StoreAccess();
        var id = new Argument<string>("id") { Description = "The package id." };
        var reason = ReasonOption();
        var command = new Command(name, description) { id, reason };
        access.AddTo(command);
        command.SetAction((parse, ct) => access.RunRemoteAsync(parse, (_, http, token) =>
            PostAsync(http, $"v1/packages/{Uri.EscapeDataString(parse.GetValue(id)!)}/retention/{path}",
                new ReasonRequest(parse.GetValue(reason)!), token), ct));
        return command;
    }

    private static Option<string> ReasonOption() =>
        new("--reason") { Description = "Why; recorded in the package's retention history with your token's name.", Required = true };

    private static async Task<int> PostAsync<TBody>(HttpClient http, string path, TBody body, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(path, body, ApiJson.Options, cancellationToken);
        return await StoreAccess.PrintAsync(response, cancellationToken);
    }
}
