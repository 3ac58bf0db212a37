using System.CommandLine;
using ArtifactStore.Server.Http;

namespace ArtifactStore.Cli.Commands;

/// <summary><c>artifactstore gc [--dry-run]</c>: delete eligible packages and reclaim unreferenced blobs, online.</summary>
internal static class GcCommand
{
    public static Command Create()
    {
        var access = new StoreAccess();
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan; delete nothing." };
        var command = new Command("gc", "Delete eligible packages (leaving tombstones) and reclaim blobs nothing references.");
        access.AddTo(command);
        command.Options.Add(dryRun);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var dry = parse.GetValue(dryRun);
            return await access.RunAsync(parse,
                async (http, ct) =>
                {
                    using var response = await http.PostAsync($"v1/admin/gc?dry_run={(dry ? "true" : "false")}", null, ct);
                    return await StoreAccess.PrintAsync(response, ct);
                },
                async (store, ct) => await StoreAccess.PrintAsync(await store.Collector.RunAsync(dry, Environment.UserName, ct), ReportJson.Gc),
                cancellationToken);
        });
        return command;
    }
}
