using System.CommandLine;
using System.Globalization;
using ArtifactStore.Core.Roots;
using ArtifactStore.Core.Verification;
using ArtifactStore.Server.Hosting;
using ArtifactStore.Server.Operations;

namespace ArtifactStore.Cli.Commands;

/// <summary>
/// <c>artifactstore fsck [--repair [--blobs-from DIR]]</c>. The check only reads, so it runs against a
/// root a server holds (on a database snapshot). Repair changes the store and is refused while a
/// server holds the root: it needs the root to itself (it takes the lock), so stop the server first.
/// On a backend whose store lives outside the data root (scale-out), the root's lock cannot tell whether
/// other replicas serve the store, so repair also needs <c>--replicas-stopped</c>, the operator's word.
/// Exit 0 when clean, 1 when damage remains, 4 when only unreferenced data was found.
/// </summary>
internal static class FsckCommand
{
    public static Command Create()
    {
        var store = new StoreOptionsArguments();
        var repair = new Option<bool>("--repair") { Description = "Rebuild the views and remove unreferenced blobs (never referenced data); needs the server stopped." };
        var blobsFrom = new Option<string?>("--blobs-from") { Description = "With --repair: put back corrupt or missing blobs from this backup (or other root), if its copies verify." };
        var replicasStopped = new Option<bool>("--replicas-stopped") { Description = "With --repair on a shared store (scale-out): every replica serving it has been stopped." };
        var command = new Command("fsck", "Verify every blob's SHA-256 and BLAKE3, the event hash chain, and that the views equal a replay of the events.");
        store.SetAction(command, async (parse, loaded, cancellationToken) =>
        {
            var options = loaded.Options!;
            var repairing = parse.GetValue(repair);
            var source = parse.GetValue(blobsFrom);
            if (source is not null && !repairing)
            {
                await Console.Error.WriteLineAsync("artifactstore: --blobs-from is used with --repair");
                return ExitCodes.Failed;
            }

            var lockPath = Path.Combine(options.DataRoot, "lock");
            var served = File.Exists(lockPath) && RootLock.IsHeld(lockPath);
            if (served && repairing)
            {
                var holder = RootLock.ReadHolder(lockPath)?.ToString() ?? "another process";
                await Console.Error.WriteLineAsync(
                    $"artifactstore: fsck --repair needs the data root {options.DataRoot} to itself, and {holder} holds it. " +
                    "Stop the server, then run 'artifactstore fsck --repair'. ('artifactstore fsck' without --repair checks a served root safely.)");
                return ExitCodes.RootUnavailable;
            }

            if (repairing && !parse.GetValue(replicasStopped) && StoreBackends.Find(options).Layout.KeepsStoreOutsideRoot)
            {
                await Console.Error.WriteLineAsync(
                    $"artifactstore: fsck --repair rebuilds the views of the store backend '{options.Backend}' shares between replicas, and the lock on {options.DataRoot} " +
                    "cannot tell whether other replicas serve it. Stop every replica, then run 'artifactstore fsck --repair --replicas-stopped'. " +
                    "('artifactstore fsck' without --repair checks a served store safely.)");
                return ExitCodes.RootUnavailable;
            }

            if (await StoreOptionsArguments.InspectAsync(options, requireCurrent: !repairing) is not { } marker)
            {
                return ExitCodes.RootUnavailable;
            }

            if (!repairing)
            {
                var snapshot = await StoreBackends.Find(options).OpenSnapshotAsync(options.DataRoot, cancellationToken);
                if (!snapshot.IsSuccess)
                {
                    await Console.Error.WriteLineAsync($"artifactstore: {snapshot.Error.Message}");
                    return ExitCodes.RootUnavailable;
                }

                await using var reader = snapshot.Value;

                // A store kept outside the data root (scale-out) has the id its backend names, shared by every replica.
                Console.WriteLine($"fsck: checking {Path.GetFullPath(options.DataRoot)} (store {reader.StoreId ?? marker.StoreId}, profile '{marker.Profile}')" +
                    (served ? " while a server holds it: reading a snapshot, changing nothing" : string.Empty));
                var report = await StoreFsck.CheckAsync(reader, options.Gc.BlobGracePeriod, TimeProvider.System, cancellationToken);
                Print(report);
                return ExitCode(report);
            }

            var (opened, exitCode) = await StoreOptionsArguments.OpenAsync(loaded, cancellationToken);
            if (opened is null)
            {
                return exitCode;
            }

            await using var runtime = opened;
            Console.WriteLine($"fsck --repair: {runtime.Root.Path} (store {runtime.StoreId}, profile '{runtime.Root.Profile}'), holding the root");
            var outcome = await StoreFsck.RepairAsync(runtime, source, Environment.UserName, cancellationToken);
            Console.WriteLine("before repair:");
            Print(outcome.Before);
            foreach (var action in outcome.Actions)
            {
                Console.WriteLine($"repaired: {action}");
            }

            if (outcome.Actions.Count == 0)
            {
                Console.WriteLine("repaired: nothing (nothing that can be repaired was found)");
            }

            Console.WriteLine("after repair:");
            Print(outcome.After);
            foreach (var left in outcome.CannotFix)
            {
                Console.WriteLine($"cannot fix: {left}");
            }

            return ExitCode(outcome.After);
        });

        // After the store's options, as before, so --help lists them in the same order.
        command.Options.Add(repair);
        command.Options.Add(blobsFrom);
        command.Options.Add(replicasStopped);
        return command;
    }

    private static void Print(FsckReport report)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  checked {report.Events} events (head seq {report.HeadSeq}), {report.BlobRows} blob rows, {report.LiveReferences} blob references of live packages; verified {report.BlobsVerified} blobs ({report.BytesVerified} bytes, SHA-256 and BLAKE3)"));
        foreach (var finding in report.Findings)
        {
            Console.WriteLine($"  {(finding.IsDamage ? "DAMAGE" : "unreferenced")} {Name(finding.Kind)} {finding.Subject}: {finding.Message}");
        }

        foreach (var note in report.Notes)
        {
            Console.WriteLine($"  note: {note}");
        }

        var damage = report.Findings.Count(f => f.IsDamage);
        var unreferenced = report.Findings.Count - damage;
        Console.WriteLine(report.IsClean
            ? "  fsck: clean"
            : $"  fsck: {damage} damaged, {unreferenced} unreferenced" + (damage == 0 ? " (the next gc, or fsck --repair, removes unreferenced data)" : string.Empty));
    }

    private static int ExitCode(FsckReport report) =>
        report.HasDamage ? ExitCodes.Failed : report.IsClean ? ExitCodes.Ok : ExitCodes.UnreferencedDataOnly;

    private static string Name(FsckFindingKind kind) => kind switch
    {
        FsckFindingKind.CorruptBlob => "corrupt_blob",
        FsckFindingKind.MissingBlob => "missing_blob",
        FsckFindingKind.ChainBroken => "chain_broken",
        FsckFindingKind.ReplayFailed => "replay_failed",
        FsckFindingKind.ViewDiffers => "view_differs",
        FsckFindingKind.UnreferencedBytes => "unreferenced_bytes",
        FsckFindingKind.UnreferencedRow => "unreferenced_row",
        FsckFindingKind.StagingLeftover => "staging_leftover",
        _ => kind.ToString(),
    };
}
