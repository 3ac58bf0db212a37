using System.CommandLine;
using System.Globalization;
using ArtifactStore.Server.Configuration;
using ArtifactStore.Server.Hosting;
using ArtifactStore.Server.Operations;

namespace ArtifactStore.Cli.Commands;

/// <summary>
/// <c>artifactstore restore SRC --data-root DIR [--profile P]</c>: verify a backup, make a data root of
/// it in a new or empty directory, open it once (migrations, and the <c>v1.store.restored</c> event)
/// and verify the result. <c>--profile P</c> re-binds the data to lane P under a new store id.
/// </summary>
internal static class RestoreCommand
{
    public static Command Create()
    {
        var source = new Argument<string>("SRC") { Description = "A backup made by 'artifactstore backup'." };
        var dataRoot = new Option<string>("--data-root") { Description = "The new data root: a new or empty directory.", Required = true };
        var profile = new Option<string?>("--profile") { Description = "Bind the restored data to this profile under a new store id (default: keep the backup's profile and store id)." };
        var config = new Option<string?>("--config") { Description = "A configuration file (.json or .toml) for opening the restored root (default: the backup's artifactstore.json, if any)." };
        var command = new Command("restore", "Restore a backup into a new data root and verify it.");
        command.Arguments.Add(source);
        command.Options.Add(dataRoot);
        command.Options.Add(profile);
        command.Options.Add(config);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var from = Path.GetFullPath(parse.GetValue(source)!);
            var target = Path.GetFullPath(parse.GetValue(dataRoot)!);
            var rebindTo = parse.GetValue(profile);
            var time = TimeProvider.System;

            if (StoreRestore.CheckTarget(target) is { } unusable)
            {
                await Console.Error.WriteLineAsync($"artifactstore: restore refused ({unusable.Code}): {unusable.Message}");
                return ExitCodes.Failed;
            }

            if (rebindTo is not null && !Core.Roots.ProfileName.IsValid(rebindTo))
            {
                await Console.Error.WriteLineAsync($"artifactstore: restore refused: profile '{rebindTo}' is not valid: use 1-32 characters of a-z, 0-9 and '-', starting with a letter");
                return ExitCodes.Failed;
            }

            // 1. The backup must verify before anything is written.
            var verified = await StoreRestore.VerifyBackupAsync(from, time, cancellationToken);
            if (!verified.IsSuccess)
            {
                await Console.Error.WriteLineAsync($"artifactstore: restore refused ({verified.Error.Code}): {verified.Error.Message}");
                return ExitCodes.Failed;
            }

            var manifest = verified.Value;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"restore: verified the backup {from} of store {manifest.Marker.StoreId} (profile '{manifest.Marker.Profile}', made {Core.Time.Rfc3339.ToText(manifest.CreatedAt)}): {manifest.Events} events, {manifest.Blobs} blobs"));

            // 2. The files, marker last.
            var restored = await StoreRestore.RestoreFilesAsync(from, manifest, target, rebindTo, time, cancellationToken);
            if (!restored.IsSuccess)
            {
                await Console.Error.WriteLineAsync($"artifactstore: restore refused ({restored.Error.Code}): {restored.Error.Message}");
                return ExitCodes.Failed;
            }

            var marker = restored.Value;

            // 3. Open it as a server would (layout and schema migrations run), and record the restore.
            var loaded = StoreConfiguration.Load(
                new Dictionary<string, string?> { [ConfigurationKeys.DataRoot] = target, [ConfigurationKeys.Profile] = marker.Profile },
                parse.GetValue(config));
            var (opened, exitCode) = await StoreOptionsArguments.OpenAsync(loaded, cancellationToken);
            if (opened is null)
            {
                return exitCode;
            }

            await using (var runtime = opened)
            {
                await StoreRestore.RecordAsync(runtime, manifest, Environment.UserName, cancellationToken);
            }

            // 4. Verify what was written.
            var checkedRoot = await StoreFsck.CheckAsync(StoreBackends.Find(manifest.Backend), target, loaded.Options!.Gc.BlobGracePeriod, time, cancellationToken);
            if (!checkedRoot.IsSuccess)
            {
                await Console.Error.WriteLineAsync($"artifactstore: the restored root cannot be checked: {checkedRoot.Error.Message}");
                return ExitCodes.Failed;
            }

            var report = checkedRoot.Value;
            if (report.HasDamage)
            {
                await Console.Error.WriteLineAsync("artifactstore: the restored root does not verify: " +
                    string.Join("; ", report.Findings.Where(f => f.IsDamage).Select(f => f.Message)));
                return ExitCodes.Failed;
            }

            Console.WriteLine(marker.RestoredFrom!.Rebound
                ? $"restore complete and verified: {target} is a new store {marker.StoreId} bound to profile '{marker.Profile}' (from store {manifest.Marker.StoreId}, profile '{manifest.Marker.Profile}')"
                : $"restore complete and verified: {target} is store {marker.StoreId}, profile '{marker.Profile}'");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {report.Events} events (the last records this restore), {report.BlobsVerified} blobs ({report.BytesVerified} bytes) verified; serve it with: artifactstore serve --data-root {target} --profile {marker.Profile}"));
            return ExitCodes.Ok;
        });
        return command;
    }
}
