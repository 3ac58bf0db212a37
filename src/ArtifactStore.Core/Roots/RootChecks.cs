using ArtifactStore.Core.Health;
using ArtifactStore.Core.Platform;

namespace ArtifactStore.Core.Roots;

/// <summary>
/// The checks that look at a data root on disk. The server's readiness monitor runs them against the
/// root it holds; <c>artifactstore doctor</c> runs the same ones from outside. Each says what is
/// wrong and what to do; none changes anything.
/// </summary>
public static class RootChecks
{
    /// <summary>The marker is readable, names <paramref name="expectedProfile"/> and, when given, <paramref name="expectedStoreId"/>.</summary>
    public static HealthCheck Marker(string rootPath, string expectedProfile, string? expectedStoreId)
    {
        var (marker, failure) = ReadMarker(rootPath, HealthCheckNames.Marker);
        if (marker is null)
        {
            return failure!;
        }

        if (marker.Profile != expectedProfile)
        {
            return HealthCheck.Failed(HealthCheckNames.Marker,
                $"the marker of {rootPath} says profile '{marker.Profile}', but this process serves '{expectedProfile}'",
                expectedStoreId is null
                    ? $"use --profile {marker.Profile} for this root, or choose the data root of profile '{expectedProfile}'"
                    : "the marker was replaced while the server ran: put this root's own marker back, then restart the server");
        }

        if (expectedStoreId is not null && marker.StoreId != expectedStoreId)
        {
            return HealthCheck.Failed(HealthCheckNames.Marker,
                $"the marker of {rootPath} names store {marker.StoreId}, but the root this server opened is store {expectedStoreId}",
                "the marker was replaced (perhaps by another root's): put this root's own marker back, then restart the server");
        }

        return HealthCheck.Ok(HealthCheckNames.Marker, $"store {marker.StoreId}, profile {marker.Profile}");
    }

    /// <summary>The marker's layout version is the one this binary serves (older roots need migrating, newer ones a newer binary).</summary>
    public static HealthCheck Layout(string rootPath)
    {
        var (marker, failure) = ReadMarker(rootPath, HealthCheckNames.Layout);
        if (marker is null)
        {
            return failure!;
        }

        if (marker.LayoutVersion < DataRoot.CurrentLayoutVersion)
        {
            return HealthCheck.Failed(HealthCheckNames.Layout,
                $"the root has layout version {marker.LayoutVersion}, older than this binary's {DataRoot.CurrentLayoutVersion}",
                "migrate it: run 'artifactstore migrate' with the server stopped");
        }

        if (marker.LayoutVersion > DataRoot.CurrentLayoutVersion)
        {
            return HealthCheck.Failed(HealthCheckNames.Layout,
                $"the root has layout version {marker.LayoutVersion}, newer than this binary supports ({DataRoot.CurrentLayoutVersion})",
                "run a newer artifactstore on it (one that supports its layout)");
        }

        return HealthCheck.Ok(HealthCheckNames.Layout, $"layout version {marker.LayoutVersion}");
    }

    /// <summary>
    /// This process still holds the root's lock in a way that keeps others out: the lock file's path
    /// still leads to the very file we locked. Moved, deleted or replaced, another process could lock
    /// a fresh file there and open the root alongside us.
    /// </summary>
    public static HealthCheck Lock(RootLock rootLock)
    {
        const string restart = "if the file was moved, put it back; otherwise stop this server and start it again so that it locks the root afresh";
        if (rootLock.IsReleased)
        {
            return HealthCheck.Failed(HealthCheckNames.Lock, $"this process has released the lock {rootLock.Path}", "start the server again");
        }

        var current = Posix.Stat(rootLock.Path, out var errno);
        if (current is null)
        {
            return HealthCheck.Failed(HealthCheckNames.Lock,
                errno == Posix.ENoEnt
                    ? $"the lock file {rootLock.Path} is gone: another process could create a new one, lock it and open this root alongside this one"
                    : $"the lock file {rootLock.Path} cannot be examined (errno {errno})",
                restart);
        }

        if (rootLock.Identity is null || !current.IsSameFileAs(rootLock.Identity))
        {
            return HealthCheck.Failed(HealthCheckNames.Lock,
                $"the lock file {rootLock.Path} is no longer the file this process locked (it was replaced): another process could lock it and open this root alongside this one",
                restart);
        }

        return HealthCheck.Ok(HealthCheckNames.Lock, $"held by process {Environment.ProcessId}");
    }

    /// <summary>Free and total bytes of the root's filesystem (the dashboard's storage page), or null when they cannot be measured.</summary>
    public static (long AvailableBytes, long TotalBytes)? SpaceOf(string rootPath) =>
        Posix.FreeSpace(rootPath, out _) is { } space ? (space.AvailableBytes, space.TotalBytes) : null;

    /// <summary>At least <paramref name="minimumBytes"/> are free on the root's filesystem. <paramref name="settingName"/> names the threshold in messages.</summary>
    public static HealthCheck FreeSpace(string rootPath, long minimumBytes, string settingName)
    {
        var space = Posix.FreeSpace(rootPath, out var errno);
        if (space is null)
        {
            return HealthCheck.Failed(HealthCheckNames.FreeSpace, $"cannot measure free space on the filesystem of {rootPath} (errno {errno})",
                "check that the data root is mounted and readable");
        }

        var (available, total, _) = space.Value;
        var seen = $"{Bytes(available)} free of {Bytes(total)} on the filesystem of {rootPath}";
        return available < minimumBytes
            ? HealthCheck.Failed(HealthCheckNames.FreeSpace,
                $"only {seen}, below {settingName} ({Bytes(minimumBytes)}): uploads could fail half way",
                $"free space on that filesystem (for example 'artifactstore gc'), grow it, or lower {settingName}")
            : HealthCheck.Ok(HealthCheckNames.FreeSpace, $"{seen} (threshold {Bytes(minimumBytes)})");
    }

    /// <summary>The root is neither inside another root nor contains one (also through bind mounts).</summary>
    public static HealthCheck Lanes(string rootPath, StoreLayout store)
    {
        var real = Posix.RealPath(rootPath) ?? rootPath;
        if (RootNesting.FindAncestor(real) is { } ancestor)
        {
            return HealthCheck.Failed(HealthCheckNames.Lanes,
                $"{real} is inside the data root {ancestor.Root}" + (ancestor.Via == real ? "" : $" (as {ancestor.Via})") + ": two lanes could mix data",
                "move this root out of the other one (back up, restore elsewhere) and point --data-root at the new place");
        }

        if (RootNesting.FindNested(real, store) is { } nested)
        {
            return HealthCheck.Failed(HealthCheckNames.Lanes,
                $"{real} contains another data root at {nested}: two lanes could mix data",
                "move that root out of this one and point its server at the new place");
        }

        return HealthCheck.Ok(HealthCheckNames.Lanes, "not inside another root and contains none");
    }

    /// <summary>
    /// The root's directories and files exist, can be read and written by this user, belong to the
    /// root's owner, and the filesystem is writable.
    /// </summary>
    public static HealthCheck Permissions(string rootPath, StoreLayout store)
    {
        var problems = new List<string>();
        var remedies = new List<string>();
        var owner = Posix.Stat(rootPath, out _)?.OwnerUid;
        if (Posix.FreeSpace(rootPath, out _) is { ReadOnly: true })
        {
            problems.Add($"the filesystem of {rootPath} is mounted read-only");
            remedies.Add("mount it read-write");
        }

        foreach (var directory in (string[])["", .. store.Directories, "tmp", "jobs"])
        {
            var path = directory.Length == 0 ? rootPath : Path.Combine(rootPath, directory);
            if (Directory.Exists(path))
            {
                Examine(path, Posix.ROk | Posix.WOk | Posix.XOk, owner, problems, remedies);
            }
            else if (File.Exists(path))
            {
                problems.Add($"{path} is a file, not a directory");
                AddOnce(remedies, $"move the stray file(s) out of the way and put the directories back (or restore the root from a backup)");
            }
            else
            {
                problems.Add($"{path} is missing");
                AddOnce(remedies, store.Directories.Contains(directory)
                    ? "restore the root from a backup: its data is gone"
                    : "start the server, which recreates tmp/ and jobs/");
            }
        }

        var files = new[] { RootMarker.FileName, "lock" }.Concat(store.DataFiles);
        foreach (var file in files.Select(f => Path.Combine(rootPath, f)).Where(File.Exists))
        {
            Examine(file, file.EndsWith(RootMarker.FileName, StringComparison.Ordinal) ? Posix.ROk : Posix.ROk | Posix.WOk, owner, problems, remedies);
        }

        return problems.Count == 0
            ? HealthCheck.Ok(HealthCheckNames.Permissions, owner is null ? "readable and writable" : $"readable and writable, owned by uid {owner}")
            : HealthCheck.Failed(HealthCheckNames.Permissions, string.Join("; ", problems), string.Join("; ", remedies));
    }

    internal static string Bytes(long bytes)
    {
        string[] units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? $"{bytes} bytes" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]}");
    }

    private static void Examine(string path, int mode, uint? owner, List<string> problems, List<string> remedies)
    {
        var fix = "give the whole root to the user the server runs as: chown -R <user> <root> and chmod -R u+rwX <root>";
        var errno = Posix.Access(path, mode);
        if (errno != 0)
        {
            var wanted = (mode & Posix.WOk) != 0 ? "readable and writable" : "readable";
            problems.Add($"{path} is not {wanted} by this user (errno {errno})");
            AddOnce(remedies, fix);
        }

        var identity = Posix.Stat(path, out _);
        if (owner is not null && identity is not null && identity.OwnerUid != owner)
        {
            // Typically a command run as root on a root that a server user owns: the server cannot write it.
            problems.Add($"{path} is owned by uid {identity.OwnerUid}, the root by uid {owner}");
            AddOnce(remedies, fix);
        }
    }

    private static void AddOnce(List<string> remedies, string remedy)
    {
        if (!remedies.Contains(remedy))
        {
            remedies.Add(remedy);
        }
    }

    private static (RootMarker? Marker, HealthCheck? Failure) ReadMarker(string rootPath, string checkName)
    {
        var path = Path.Combine(rootPath, RootMarker.FileName);
        if (!File.Exists(path))
        {
            return (null, HealthCheck.Failed(checkName, $"the marker {path} is missing, so nothing says which lane this data belongs to",
                "restore the marker (or the whole root) from a backup of this root"));
        }

        var marker = RootMarker.TryRead(path, out var problem);
        return marker is null
            ? (null, HealthCheck.Failed(checkName, $"the marker {path} cannot be read: {problem}", "restore the marker (or the whole root) from a backup of this root"))
            : (marker, null);
    }
}
