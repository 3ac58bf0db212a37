using System.CommandLine;
using System.Globalization;
using ArtifactStore.Core.Roots;
using ArtifactStore.Server.Hosting;
using ArtifactStore.Server.Operations;

namespace ArtifactStore.Cli.Commands;

/// <summary>
/// <c>artifactstore backup DEST</c>: a consistent, verified copy of the data root, made while the server
/// runs (or not). It only reads the root, so it takes no lock. A scale-out store is not in its data root: backup
/// refuses it (exit 3) and names <c>copy-store</c>, which backs it up (OPERATOR.md, "Scale-out").
/// </summary>
internal static class BackupCommand
{
    public static Command Create()
    {
        var store = new StoreOptionsArguments();
        var destination = new Argument<string>("DEST") { Description = "A new or empty directory outside the data root." };
        var command = new Command("backup", "Back up the data root (consistent while the server runs) and verify the copy.");
        command.Arguments.Add(destination);
        store.SetAction(command, async (parse, loaded, cancellationToken) =>
        {
            var options = loaded.Options!;
            if (StoreBackends.Find(options).Layout.KeepsStoreOutsideRoot)
            {
                // The store lives outside the data root (scale-out): the root holds no store to copy, and its own id
                // is not the store's, so nothing about it is printed (OPERATOR.md, "Scale-out").
                await Console.Error.WriteLineAsync(
                    $"artifactstore: backup copies an embedded data root, and the store backend '{options.Backend}' keeps its store in " +
                    $"PostgreSQL and S3, shared by its replicas, not in {options.DataRoot}. Back a scale-out store up with " +
                    "'artifactstore copy-store' into a new embedded root, while the replicas serve (OPERATOR.md, \"Scale-out\", " +
                    "\"Backing up and restoring\"). Nothing was copied.");
                return ExitCodes.RootUnavailable;
            }

            if (await StoreOptionsArguments.InspectAsync(options, requireCurrent: false) is not { } marker)
            {
                return ExitCodes.RootUnavailable;
            }

            var dest = Path.GetFullPath(parse.GetValue(destination)!);
            Console.WriteLine($"backup: {Path.GetFullPath(options.DataRoot)} (store {marker.StoreId}, profile '{marker.Profile}') to {dest}");
            var result = await StoreBackup.RunAsync(StoreBackends.Find(options), options.DataRoot, marker, dest, options.Gc.BlobGracePeriod, TimeProvider.System, cancellationToken);
            if (!result.IsSuccess && result.Error.Code == RootErrorCodes.SchemaTooNew)
            {
                await Console.Error.WriteLineAsync($"artifactstore: {result.Error.Message}");
                return ExitCodes.RootUnavailable;
            }

            if (!result.IsSuccess)
            {
                await Console.Error.WriteLineAsync($"artifactstore: backup failed ({result.Error.Code}): {result.Error.Message}");
                return ExitCodes.Failed;
            }

            var summary = result.Value;
            var manifest = summary.Manifest;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
                backup complete and verified: {summary.Destination}
                  events:   {manifest.Events} (head seq {manifest.HeadSeq}), hash chain verified
                  blobs:    {manifest.Blobs} ({manifest.BlobBytes} bytes), SHA-256 and BLAKE3 of each copy verified
                  database: {manifest.DatabaseBytes} bytes (schema {manifest.SchemaVersion}), views equal a replay of the events
                  unreferenced blobs reaped by GC during the backup (not copied): {manifest.UnreferencedNotCopied.Count}
                  took {summary.Elapsed.TotalSeconds:0.00} s
                """));
            return ExitCodes.Ok;
        });
        return command;
    }
}
