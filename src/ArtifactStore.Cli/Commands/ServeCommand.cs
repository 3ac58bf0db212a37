using System.CommandLine;
using ArtifactStore.Server.Configuration;
using ArtifactStore.Server.Hosting;
using ArtifactStore.Server.Http;
using Microsoft.Extensions.Hosting;

namespace ArtifactStore.Cli.Commands;

/// <summary><c>artifactstore serve</c>: open the data root and serve the HTTP API until SIGTERM / Ctrl-C.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var store = new StoreOptionsArguments();
        var urls = new Option<string?>("--urls") { Description = $"Where to listen (default: {ConfigurationKeys.DefaultUrls})." };
        var allowAnonymous = new Option<bool>("--allow-anonymous") { Description = "Serve without API tokens on a non-loopback address (anyone who can connect gets full access)." };
        var command = new Command("serve", "Serve the HTTP API on a data root.");
        store.AddTo(command);
        command.Options.Add(urls);
        command.Options.Add(allowAnonymous);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var extra = new Dictionary<string, string?>();
            if (parse.GetValue(urls) is { } given)
            {
                extra[ConfigurationKeys.Urls] = given;
            }

            var loaded = store.Load(parse, extra);
            var (opened, exitCode) = await StoreOptionsArguments.OpenAsync(loaded, cancellationToken);
            if (opened is null)
            {
                return exitCode;
            }

            await using var runtime = opened;
            var app = ServerApp.Build(runtime, loaded.Urls, allowAnonymous: parse.GetValue(allowAnonymous));
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (IOException e)
            {
                await Console.Error.WriteLineAsync($"artifactstore: cannot listen on {loaded.Urls}: {e.Message.TrimEnd('.')}; choose another address with --urls");
                await app.DisposeAsync();
                return ExitCodes.Failed;
            }

            // Decided from what was bound, not from --urls: a host name there can mean every interface.
            // Until this point the server answers no anonymous request (AnonymousAccess starts closed).
            var access = ServerApp.Access(app);
            switch (access.Decide(await runtime.Tokens.AnyActiveAsync(cancellationToken)))
            {
                case StartupExposure.Refused:
                    await Console.Error.WriteLineAsync(
                        $"artifactstore: refusing to listen on {string.Join(", ", access.BeyondLoopback)} without API tokens: anyone who can connect could change or delete data. " +
                        "Create a token first (artifactstore token create --name N --role admin), listen on 127.0.0.1, or pass --allow-anonymous.");
                    await app.StopAsync(CancellationToken.None);
                    await app.DisposeAsync();
                    return ExitCodes.InvalidConfiguration;
                case StartupExposure.AnonymousEverywhere:
                    Console.WriteLine($"artifactstore: no API tokens exist and --allow-anonymous was given: every caller has full access (listening beyond loopback on {string.Join(", ", access.BeyondLoopback)})");
                    break;
                case StartupExposure.AnonymousOnLoopback:
                    Console.WriteLine("artifactstore: no API tokens exist: serving anonymously on loopback only (create one with 'artifactstore token create')");
                    break;
                case StartupExposure.TokensRequired:
                    break;
            }

            foreach (var address in ServerApp.Addresses(app))
            {
                Console.WriteLine($"artifactstore {BuildInfo.Version}: profile '{runtime.Root.Profile}', data root {runtime.Root.Path}, listening on {address}");
            }

            // Listening first, so that /health/live answers (and /health/ready says why not) while recovery runs.
            var recovery = ServerApp.RecoverAsync(app, app.Lifetime.ApplicationStopping);

            // SIGTERM: Kestrel stops accepting and gives in-flight requests Shutdown:GracePeriod, then cuts them off.
            await app.WaitForShutdownAsync(CancellationToken.None);
            await recovery;
            await app.DisposeAsync();

            // Flush: queued units of work commit, the WAL is checkpointed, and the lock is released.
            await runtime.DisposeAsync();
            Console.WriteLine($"artifactstore: stopped; the data root {runtime.Root.Path} is released");
            return ExitCodes.Ok;
        });
        return command;
    }
}
