using System.CommandLine;
using ArtifactStore.Core.Roots;
using ArtifactStore.Server.Hosting;

namespace ArtifactStore.Cli.Commands;

/// <summary>
/// <c>artifactstore migrate</c>: brings a data root's layout and database schema up to this binary's,
/// explicitly (serve does the same at start). Each layout step and each schema script is crash-safe:
/// run the command again after an interruption and it finishes.
/// </summary>
internal static class MigrateCommand
{
    public static Command Create()
    {
        var store = new StoreOptionsArguments();
        var command = new Command("migrate", "Migrate the data root's layout and database schema to this binary's versions.");
        store.SetAction(command, async (_, loaded, cancellationToken) =>
        {
            var options = loaded.Options!;
            if (await StoreOptionsArguments.InspectAsync(options, requireCurrent: false) is not { } marker)
            {
                return ExitCodes.RootUnavailable;
            }

            var backend = StoreBackends.Find(options);
            var schemaBefore = await backend.ReadSchemaVersionsAsync(options.DataRoot, cancellationToken);
            var layoutBefore = marker.LayoutVersion;
            var lockPath = Path.Combine(options.DataRoot, "lock");
            if (File.Exists(lockPath) && RootLock.IsHeld(lockPath))
            {
                if (layoutBefore == LayoutMigrations.Released.CurrentVersion && schemaBefore.IsCurrent)
                {
                    Console.WriteLine($"migrate: {options.DataRoot} is current (layout {layoutBefore}, schema {schemaBefore.Store}); the server holding it migrated it at start");
                    return ExitCodes.Ok;
                }

                await Console.Error.WriteLineAsync($"artifactstore: {RootLock.ReadHolder(lockPath)?.ToString() ?? "another process"} holds {options.DataRoot}; stop it, then run 'artifactstore migrate'");
                return ExitCodes.RootUnavailable;
            }

            var (opened, exitCode) = await StoreOptionsArguments.OpenAsync(loaded, cancellationToken);
            if (opened is null)
            {
                return exitCode;
            }

            await using var runtime = opened;
            foreach (var step in runtime.Root.LayoutMigrationsApplied)
            {
                Console.WriteLine($"migrate: {step}");
            }

            var schemaAfter = (await backend.ReadSchemaVersionsAsync(options.DataRoot, cancellationToken)).Store;
            Console.WriteLine(layoutBefore == runtime.Root.Marker.LayoutVersion
                ? $"migrate: layout {layoutBefore} is current"
                : $"migrate: layout {layoutBefore} → {runtime.Root.Marker.LayoutVersion}");
            Console.WriteLine(schemaBefore.Store == schemaAfter
                ? $"migrate: database schema {schemaAfter} is current"
                : $"migrate: database schema {schemaBefore.Store} → {schemaAfter}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
