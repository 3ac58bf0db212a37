using ArtifactStore.Core.Health;
using ArtifactStore.Core.Jobs;
using ArtifactStore.Core.Roots;
using ArtifactStore.Server.Configuration;

namespace ArtifactStore.Server.Hosting;

/// <summary>
/// The readiness checks (docs/recovery.md, "Readiness") for an opened store, in the order they are reported. Each check
/// has one implementation (on the root, the database port or the blob port); the readiness monitor
/// and <c>artifactstore doctor</c> both call these.
/// </summary>
public static class ReadinessChecks
{
    public static async Task<IReadOnlyList<HealthCheck>> EvaluateAsync(StoreRuntime store, CancellationToken cancellationToken)
    {
        var root = store.Root;
        var backendChecks = new List<HealthCheck>();
        foreach (var check in store.BackendChecks)
        {
            backendChecks.Add(await GuardAsync(HealthCheckNames.StoreIdentity, () => check(cancellationToken)));
        }

        return
        [
            Guard(HealthCheckNames.Marker, () => RootChecks.Marker(root.Path, root.Profile, root.StoreId)),
            Guard(HealthCheckNames.Layout, () => RootChecks.Layout(root.Path)),
            Guard(HealthCheckNames.Lock, () => RootChecks.Lock(root.Lock)),
            await GuardAsync(HealthCheckNames.Database, () => store.Database.CheckHealthAsync(cancellationToken)),
            await GuardAsync(HealthCheckNames.BlobStore, () => store.Blobs.CheckWritableAsync(cancellationToken)),
            .. backendChecks,
            Guard(HealthCheckNames.FreeSpace, () => FreeSpace(root.Path, store.Options.Readiness.MinFreeSpaceBytes)),
            Recovery(store.Recovery),
            Revision(store.Options.Readiness.ExpectedRevision),
            Guard(HealthCheckNames.JobCommands, () => JobCommandCheck.Evaluate(store.Options.Jobs, Environment.GetEnvironmentVariable)),
        ];
    }

    public static HealthCheck FreeSpace(string rootPath, long minimumBytes) =>
        RootChecks.FreeSpace(rootPath, minimumBytes, ConfigurationKeys.ReadinessMinFreeSpace);

    public static HealthCheck Recovery(StartupRecovery recovery)
    {
        if (recovery.IsComplete)
        {
            return HealthCheck.Ok(HealthCheckNames.Recovery, recovery.Steps.Count == 0 ? "nothing to recover" : $"finished: {string.Join(", ", recovery.Steps)}");
        }

        if (recovery.Failure is { } failure)
        {
            return HealthCheck.Failed(HealthCheckNames.Recovery, $"startup recovery failed: {failure}",
                "read the server log for the cause, fix it, and restart the server");
        }

        return HealthCheck.Failed(HealthCheckNames.Recovery,
            recovery.CurrentStep is { } step ? $"startup recovery is still running ({step})" : "startup recovery has not finished yet",
            "wait: the server becomes ready when it has finished");
    }

    /// <summary>
    /// This build is the one the deployment expects. A short expected revision (7 or more hex digits)
    /// matches as a prefix, as <c>git rev-parse --short</c> prints it.
    /// </summary>
    public static HealthCheck Revision(string? expected)
    {
        var actual = BuildInfo.Revision;
        if (expected is null)
        {
            return HealthCheck.Ok(HealthCheckNames.Revision, $"revision {actual} ({ConfigurationKeys.ExpectedRevisionVariable} not set)");
        }

        var matches = actual.Equals(expected, StringComparison.OrdinalIgnoreCase) ||
            (expected.Length >= 7 && actual.StartsWith(expected, StringComparison.OrdinalIgnoreCase));
        return matches
            ? HealthCheck.Ok(HealthCheckNames.Revision, $"revision {actual}, as expected")
            : HealthCheck.Failed(HealthCheckNames.Revision,
                $"this build is revision {actual}, but {ConfigurationKeys.ExpectedRevisionVariable} expects {expected}",
                $"deploy the build of revision {expected}, or correct {ConfigurationKeys.ExpectedRevisionVariable}");
    }

    /// <summary>A check that throws is a failed check, never a crashed monitor.</summary>
    private static HealthCheck Guard(string name, Func<HealthCheck> check)
    {
        try
        {
            return check();
        }
        catch (Exception e)
        {
            return Unexpected(name, e);
        }
    }

    private static async Task<HealthCheck> GuardAsync(string name, Func<Task<HealthCheck>> check)
    {
        try
        {
            return await check();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Unexpected(name, e);
        }
    }

    private static HealthCheck Unexpected(string name, Exception e) =>
        HealthCheck.Failed(name, $"the check itself failed: {e.GetType().Name}: {e.Message}", "see the server log; run 'artifactstore doctor' for the root");
}
