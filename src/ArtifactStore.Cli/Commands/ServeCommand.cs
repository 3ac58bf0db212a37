using System.CommandLine;
using ArtifactStore.Server.Configuration;
using ArtifactStore.Server.Hosting;
using Microsoft.Extensions.Hosting;

namespace ArtifactStore.Cli.Commands;

/// <summary><c>artifactstore serve</c>: open the data root and serve the HTTP API until SIGTERM / Ctrl-C.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var store = new StoreOptionsArguments();
        var urls = new Option<string?>("--urls") { Description = $"Where to listen (default: {ConfigurationKeys.DefaultUrls})." };
        var command = new Command("serve", "Serve the HTTP API on a data root.");
        store.AddTo(command);
        command.Options.Add(urls);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var extra = new Dictionary<string, string?>();
            if (parse.GetValue(urls) is { } given)
            {
                extra[ConfigurationKeys.Urls] = given;
            }

            var loaded = store.Load(parse, extra);
            if (!loaded.IsValid)
            {
                return StoreOptionsArguments.ReportProblems(loaded);
            }

            var opened = await StoreRuntime.OpenAsync(loaded.Options!, cancellationToken: cancellationToken);
            if (!opened.IsSuccess)
            {
                await Console.Error.WriteLineAsync($"artifactstore: cannot open the data root: {opened.Error.Message}");
                return ExitCodes.RootUnavailable;
            }

            await using var runtime = opened.Value;
            var app = ServerApp.Build(runtime, loaded.Urls);
            await app.StartAsync(cancellationToken);
            foreach (var address in ServerApp.Addresses(app))
            {
                Console.WriteLine($"artifactstore {BuildInfo.Version}: profile '{runtime.Root.Profile}', data root {runtime.Root.Path}, listening on {address}");
            }

            await app.WaitForShutdownAsync(CancellationToken.None);
            await app.DisposeAsync();
            return ExitCodes.Ok;
        });
        return command;
    }
}
