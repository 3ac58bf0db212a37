using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using ArtifactStore.Contract;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Core.Health;
using ArtifactStore.Core.Roots;
using ArtifactStore.Server.Hosting;

namespace ArtifactStore.Cli.Commands;

/// <summary>
/// <c>artifactstore doctor</c>: every readiness check, plus permissions, nesting and disk space, run
/// against a data root, each printed as ok or as a problem with its remedy. When a server holds the
/// root it asks that server's <c>/health/ready</c> and adds the checks that make sense from outside;
/// otherwise it runs the same checks itself, holding the root's lock meanwhile. Changes nothing.
/// Exit code 0 when every check passes, 1 otherwise.
/// </summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var store = new StoreOptionsArguments();
        var command = new Command("doctor", "Check a data root (and the server holding it) and say how to fix what is wrong.");
        store.SetAction(command, async (_, loaded, cancellationToken) =>
        {
            var options = loaded.Options!;
            var output = new DoctorOutput();
            await CheckAsync(options, output, cancellationToken);
            return output.Finish() ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    private static async Task CheckAsync(StoreOptions options, DoctorOutput output, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(options.DataRoot))
        {
            output.Heading($"data root {options.DataRoot} (profile {options.Profile})");
            output.Add(HealthCheck.Failed(HealthCheckNames.Marker, $"there is no data root at {options.DataRoot}",
                "check --data-root and --profile; 'artifactstore serve' creates a new root there"));
            return;
        }

        var root = DataRoot.RealPathOf(options.DataRoot);
        output.Heading($"data root {root} (profile {options.Profile})");

        // What can be seen from outside, whether or not a server runs.
        var marker = RootChecks.Marker(root, options.Profile, null);
        output.Add(marker);
        output.Add(RootChecks.Layout(root));
        var layout = StoreBackends.Find(options).Layout;
        output.Add(RootChecks.Lanes(root, layout));
        output.Add(RootChecks.Permissions(root, layout));
        output.Add(ReadinessChecks.FreeSpace(root, options.Readiness.MinFreeSpaceBytes));

        var lockPath = Path.Combine(root, "lock");
        if (!File.Exists(lockPath))
        {
            output.Add(HealthCheck.Failed(HealthCheckNames.Lock, $"the lock file {lockPath} is missing, so a server holding this root could not be found (and a second one would not be kept out)",
                "if a server runs on this root, restart it; otherwise start the server, which creates the lock file"));
            return;
        }

        if (!marker.IsOk)
        {
            // Without a valid marker this may not be a root at all: do not take its lock or probe its files.
            return;
        }

        var rootLock = RootLock.TryAcquire(lockPath, out var holder, create: false);
        if (rootLock is null)
        {
            await AskServerAsync(holder, output, cancellationToken);
            return;
        }

        using (rootLock)
        {
            await CheckLocallyAsync(root, options, rootLock, output, cancellationToken);
        }
    }

    /// <summary>No server runs: the doctor holds the lock and runs the server's checks itself.</summary>
    private static async Task CheckLocallyAsync(string root, StoreOptions options, RootLock rootLock, DoctorOutput output, CancellationToken cancellationToken)
    {
        var lockCheck = RootChecks.Lock(rootLock);
        output.Add(lockCheck.IsOk ? lockCheck with { Detail = "free: no process holds the root (the doctor held it while checking)" } : lockCheck);

        foreach (var check in await StoreBackends.Find(options).CheckWithoutOpeningAsync(root, cancellationToken))
        {
            output.Add(check);
        }

        output.Add(ReadinessChecks.Revision(options.Readiness.ExpectedRevision));
        output.Note("recovery runs when a server starts; no server runs on this root now");
    }

    /// <summary>A process holds the root: ask it, if it is a server, how it sees itself.</summary>
    private static async Task AskServerAsync(LockHolder? holder, DoctorOutput output, CancellationToken cancellationToken)
    {
        if (holder?.Url is null)
        {
            output.Add(HealthCheck.Failed(HealthCheckNames.Lock,
                $"the root is held by {holder?.ToString() ?? "a process"} that does not serve HTTP (a command working on the root, or a server still starting)",
                "wait for it to finish, then run 'artifactstore doctor' again"));
            return;
        }

        output.Add(HealthCheck.Ok(HealthCheckNames.Lock, $"held by {holder}"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            using var response = await http.GetAsync(new Uri(new Uri(holder.Url.TrimEnd('/') + "/"), "health/ready"), cancellationToken);
            var answer = await response.Content.ReadFromJsonAsync<ReadinessDocument>(ApiJson.Options, cancellationToken);
            if (answer?.Checks is not { } checks)
            {
                throw new JsonException("the answer has no checks");
            }

            output.Heading($"the server at {holder.Url} (revision {answer.Revision ?? "?"}) reports:");
            foreach (var (name, problem) in checks)
            {
                output.Add(problem == "ok"
                    ? HealthCheck.Ok(name, answer.Details?.GetValueOrDefault(name))
                    : HealthCheck.Failed(name, problem, answer.Remedies?.GetValueOrDefault(name) ?? "see the server log"));
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            output.Add(HealthCheck.Failed("server",
                $"{holder} holds the root but its /health/ready does not answer properly: {e.Message}",
                "read the server's log; if it hangs, stop it (SIGTERM) and start it again"));
        }
    }
}
