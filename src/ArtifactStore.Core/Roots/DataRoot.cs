using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Platform;

namespace ArtifactStore.Core.Roots;

/// <summary>
/// An opened, locked data root (docs/data-layout.md). Holding an instance means: the marker is valid and bound
/// to our profile, the layout version is ours, no other process serves this root, and
/// <c>tmp/</c> has been emptied. Dispose releases the lock.
/// </summary>
public sealed class DataRoot : IDisposable
{
    public const int CurrentLayoutVersion = 1;

    /// <summary>Entries an interrupted creation may leave before the marker is written (besides the backend's directories).</summary>
    private static readonly HashSet<string> CreationLeftovers =
        ["tmp", "jobs", "lock", "artifactstore.json"];

    private DataRoot(string path, RootMarker marker, RootLock rootLock, IReadOnlyList<string> migrationsApplied)
    {
        Path = path;
        Marker = marker;
        Lock = rootLock;
        LayoutMigrationsApplied = migrationsApplied;
    }

    /// <summary>The real (symlink-free, absolute) path of the root.</summary>
    public string Path { get; }

    public RootMarker Marker { get; private set; }

    public RootLock Lock { get; }

    public string StoreId => Marker.StoreId;

    /// <summary>The layout migration steps this open ran (empty when the root was already current).</summary>
    public IReadOnlyList<string> LayoutMigrationsApplied { get; }

    public string Profile => Marker.Profile;

    public string TempDirectory => System.IO.Path.Combine(Path, "tmp");

    public string JobsDirectory => System.IO.Path.Combine(Path, "jobs");

    public string LockPath => System.IO.Path.Combine(Path, "lock");

    /// <summary>
    /// Opens the root at <paramref name="path"/>, creating it when the directory is missing or empty.
    /// Fails closed, with a message that says what is wrong and how to fix it.
    /// </summary>
    /// <remarks><paramref name="store"/> names the entries the backend keeps its store in (<see cref="StoreLayout"/>).</remarks>
    public static Result<DataRoot> OpenOrCreate(string path, string profile, string revision, TimeProvider time, StoreLayout store) =>
        OpenOrCreate(path, profile, revision, time, store, LayoutMigrations.Released);

    /// <summary>
    /// Opens or creates the root with the given layout migrations (the released ones, or a test's):
    /// an existing root of an older layout is migrated forward, step by step, before it is handed out.
    /// </summary>
    public static Result<DataRoot> OpenOrCreate(string path, string profile, string revision, TimeProvider time, StoreLayout store, LayoutMigrations migrations)
    {
        if (!ProfileName.IsValid(profile))
        {
            return Problem(RootErrorCodes.ProfileInvalid,
                $"profile '{profile}' is not valid: use 1-32 characters of a-z, 0-9 and '-', starting with a letter");
        }

        var full = System.IO.Path.GetFullPath(path);
        if (File.Exists(full))
        {
            return Problem(RootErrorCodes.RootInvalid, $"{full} is a file, not a directory; choose a directory for --data-root");
        }

        Directory.CreateDirectory(full);
        var real = Posix.RealPath(full) ?? full;
        var named = real == full ? real : $"{real} (named {full})";

        var ancestor = RootNesting.FindAncestor(real);
        if (ancestor is not null)
        {
            var via = ancestor.Value.Via == real ? "" : $" (it is the same directory as {ancestor.Value.Via}, through a bind mount or another mount of the same filesystem)";
            return Problem(RootErrorCodes.RootNested,
                $"{named} is inside the data root {ancestor.Value.Root}{via}; roots may not be nested, because two lanes could mix data. Choose a --data-root outside it.");
        }

        var nested = RootNesting.FindNested(real, store);
        if (nested is not null)
        {
            return Problem(RootErrorCodes.RootNested,
                $"{named} contains another data root at {nested}; roots may not be nested, because two lanes could mix data. Move that root out, or choose another --data-root.");
        }

        var markerPath = System.IO.Path.Combine(real, RootMarker.FileName);
        RootMarker? marker = null;
        if (File.Exists(markerPath))
        {
            marker = RootMarker.TryRead(markerPath, out var problem);
            if (marker is null)
            {
                return Problem(RootErrorCodes.RootInvalid,
                    $"the marker {markerPath} cannot be read ({problem}); restore the root from a backup or run 'artifactstore doctor'");
            }

            if (marker.Profile != profile)
            {
                return Problem(RootErrorCodes.ProfileMismatch,
                    $"the data root {named} belongs to profile '{marker.Profile}', not '{profile}'; start with --profile {marker.Profile} or choose another --data-root");
            }

            if (CheckLayout(real, marker.LayoutVersion, migrations) is { } layoutProblem)
            {
                return layoutProblem;
            }
        }
        else
        {
            var foreign = Directory.EnumerateFileSystemEntries(real)
                .Select(System.IO.Path.GetFileName)
                .Where(name => name is not null && !CreationLeftovers.Contains(name) && !store.Directories.Contains(name) && !name.StartsWith(RootMarker.FileName, StringComparison.Ordinal))
                .FirstOrDefault();
            if (foreign is not null)
            {
                return Problem(RootErrorCodes.RootInvalid,
                    $"{named} is not empty and is not an ArtifactStore data root (it contains '{foreign}'); choose an empty or new directory");
            }

            // An interrupted creation never gets as far as a database or a blob (the marker comes first),
            // so data without a marker is a root that lost its marker: adopting it could bind another
            // lane's data to this profile.
            var data = DataWithoutMarker(real, store);
            if (data is not null)
            {
                return Problem(RootErrorCodes.RootInvalid,
                    $"{named} holds store data ({data}) but has no marker {RootMarker.FileName}, so it cannot tell which lane the data belongs to; restore the marker (or the whole root) from a backup instead of starting a new root over it");
            }
        }

        var lockPath = System.IO.Path.Combine(real, "lock");
        var rootLock = RootLock.TryAcquire(lockPath, out var holder);
        if (rootLock is null)
        {
            return Problem(RootErrorCodes.RootLocked, LockedMessage(named, real, holder),
                holder is null ? null : new Dictionary<string, object?> { ["pid"] = holder.Pid, ["url"] = holder.Url });
        }

        try
        {
            foreach (var sub in store.Directories.Concat(["tmp", "jobs"]))
            {
                Directory.CreateDirectory(System.IO.Path.Combine(real, sub));
            }

            EmptyDirectory(System.IO.Path.Combine(real, "tmp"));
            Posix.FsyncDirectory(real);

            IReadOnlyList<string> applied = [];
            if (marker is not null && marker.LayoutVersion < migrations.CurrentVersion)
            {
                (applied, marker) = migrations.Run(real, marker);
            }

            var now = time.GetUtcNow();
            var opened = (marker ?? new RootMarker
            {
                StoreId = Guid.CreateVersion7(now).ToString(),
                Profile = profile,
                LayoutVersion = migrations.CurrentVersion,
                CreatedAt = now,
            }) with
            {
                LastOpenedBy = revision,
                LastOpenedAt = now,
            };

            // The marker is written last: until it exists, the directory is not a root. It is rewritten
            // only when it changes (a new root, a migration, another revision), not at every open, so
            // that reopening a root on a full disk needs no space for it.
            if (marker is null || applied.Count > 0 || marker.LastOpenedBy != revision)
            {
                opened.WriteAtomically(real);
                marker = opened;
            }

            var root = new DataRoot(real, marker, rootLock, applied);
            root.DescribeHolder(null);
            return root;
        }
        catch (Exception e) when (StorageFull.IsCause(e))
        {
            rootLock.Dispose();
            return Problem(ErrorCodes.InsufficientStorage,
                $"{named}: opening it must write, and {StorageFull.Message} ({e.Message.ReplaceLineEndings(" ")})");
        }
        catch
        {
            rootLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads and checks the marker of an existing root without locking or changing anything (fsck,
    /// backup, migrate): it must exist, belong to <paramref name="profile"/> and have a layout this
    /// binary handles; with <paramref name="requireCurrent"/>, one that needs no migration.
    /// </summary>
    public static Result<RootMarker> Inspect(string path, string profile, bool requireCurrent, LayoutMigrations? migrations = null)
    {
        migrations ??= LayoutMigrations.Released;
        var full = System.IO.Path.GetFullPath(path);
        var markerPath = System.IO.Path.Combine(full, RootMarker.FileName);
        if (!File.Exists(markerPath))
        {
            return Problem(RootErrorCodes.NotARoot, $"{full} is not an ArtifactStore data root (it has no {RootMarker.FileName}); check --data-root");
        }

        var marker = RootMarker.TryRead(markerPath, out var problem);
        if (marker is null)
        {
            return Problem(RootErrorCodes.RootInvalid, $"the marker {markerPath} cannot be read ({problem}); restore the root from a backup");
        }

        if (marker.Profile != profile)
        {
            return Problem(RootErrorCodes.ProfileMismatch,
                $"the data root {full} belongs to profile '{marker.Profile}', not '{profile}'; use --profile {marker.Profile}");
        }

        if (CheckLayout(full, marker.LayoutVersion, migrations) is { } layoutProblem)
        {
            return layoutProblem;
        }

        if (requireCurrent && marker.LayoutVersion < migrations.CurrentVersion)
        {
            return Problem(RootErrorCodes.LayoutNotMigrated,
                $"the data root {full} has layout version {marker.LayoutVersion} and this binary uses {migrations.CurrentVersion}; run 'artifactstore migrate' (or start the server) first");
        }

        return marker;
    }

    /// <summary>The data root that contains <paramref name="path"/> (which need not exist yet), or null.</summary>
    public static string? FindEnclosingRoot(string path)
    {
        var parent = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        while (parent is not null && !Directory.Exists(parent))
        {
            parent = System.IO.Path.GetDirectoryName(parent);
        }

        if (parent is null)
        {
            return null;
        }

        var real = Posix.RealPath(parent) ?? parent;
        return File.Exists(System.IO.Path.Combine(real, RootMarker.FileName)) ? real : RootNesting.FindAncestor(real)?.Root;
    }

    public void Dispose() => Lock.Dispose();

    private static StoreError? CheckLayout(string root, int layoutVersion, LayoutMigrations migrations)
    {
        if (layoutVersion > migrations.CurrentVersion)
        {
            return Problem(RootErrorCodes.LayoutTooNew,
                $"the data root {root} has layout version {layoutVersion}, newer than this binary supports ({migrations.CurrentVersion}); run a newer artifactstore");
        }

        if (layoutVersion < migrations.OldestVersion)
        {
            return Problem(RootErrorCodes.LayoutTooOld,
                $"the data root {root} has layout version {layoutVersion}; this binary migrates layouts {migrations.OldestVersion} to {migrations.CurrentVersion} only; migrate it with an older release first");
        }

        return null;
    }

    /// <summary>The absolute path with every symlink resolved (the path as given, made absolute, if it does not exist).</summary>
    public static string RealPathOf(string path) => Posix.RealPath(path) ?? System.IO.Path.GetFullPath(path);

    /// <summary>Rewrites the lock file's description of this process (for example once the server knows its URL).</summary>
    public void DescribeHolder(string? url) =>
        Lock.Describe(new LockHolder(Environment.ProcessId, url, Profile, StoreId, Path));

    private static string LockedMessage(string named, string real, LockHolder? holder)
    {
        var message = $"the data root {named} is in use by {holder?.ToString() ?? "another process"}";
        if (holder?.Profile is { } lane)
        {
            message += $" for profile '{lane}'";
        }

        if (holder?.RootPath is { } theirs && theirs != real)
        {
            // Same lock file (same inode), different real path: a bind mount or a second mount of the filesystem.
            message += $", which opened it as {theirs}: {real} is the same directory reached through another path (a bind mount or another mount of the same filesystem)";
        }

        return message + "; stop it first, or use its API instead of opening the root directly";
    }

    private static string? DataWithoutMarker(string real, StoreLayout store)
    {
        if (store.DataFiles.FirstOrDefault(file => File.Exists(System.IO.Path.Combine(real, file))) is { } dataFile)
        {
            return dataFile;
        }

        return store.Directories.FirstOrDefault(directory =>
        {
            var full = System.IO.Path.Combine(real, directory);
            return Directory.Exists(full) && Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories).Any();
        }) is { } withFiles ? $"files under {withFiles}/" : null;
    }

    private static void EmptyDirectory(string path)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(path))
        {
            if (Directory.Exists(entry))
            {
                Directory.Delete(entry, recursive: true);
            }
            else
            {
                File.Delete(entry);
            }
        }
    }

    private static StoreError Problem(string code, string message, IReadOnlyDictionary<string, object?>? details = null) =>
        new(code, message, details);
}
