using System.Collections.Concurrent;

namespace ArtifactStore.Core.Packages;

/// <summary>
/// Live packages' file lists in memory, so a download needs no database query in the common case
/// (docs/upload.md, "Reading back"). Packages are immutable: the only change that affects a download
/// is a package leaving the live state, and in one process that happens only in the garbage collector's
/// delete step, which brackets its unit of work with <see cref="BeginRemoval"/> and <see cref="EndRemoval"/>.
/// Between the two, the package is read from the database on every request and is never added; any removal
/// also bumps a generation, so a lookup that read the package as live before the removal began cannot add
/// it afterwards. So once the deletion has committed and <see cref="EndRemoval"/> ran, no request is answered
/// from a stale entry: the database answers <c>package_expired</c> exactly as without the cache. Only live
/// packages are added; expired and unknown ones are always read from the database.
/// <para>
/// Only for a database no other process changes while this one serves (the embedded backend, held by the
/// root lock): another process's deletion would not reach this cache. Bounded by the number of files held;
/// when full, arbitrary entries are evicted to make room (a miss costs one query, as without the cache).
/// </para>
/// </summary>
public sealed class PackageFileCache
{
    private readonly ConcurrentDictionary<Guid, PackageFiles> _entries = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, int> _removing = [];
    private readonly long _maxFiles;
    private long _generation;
    private long _files;

    /// <param name="maxFiles">The most files the cached packages may have together; 0 turns the cache off.</param>
    public PackageFileCache(long maxFiles)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxFiles);
        _maxFiles = maxFiles;
    }

    /// <summary>A cache that holds nothing: every lookup reads the database.</summary>
    public static PackageFileCache Off => new(0);

    public bool Enabled => _maxFiles > 0;

    /// <summary>How many packages are held.</summary>
    public int Count => _entries.Count;

    /// <summary>Changes on every removal; read it before reading a package from the database, pass it to <see cref="Add"/>.</summary>
    public long Generation => Volatile.Read(ref _generation);

    /// <summary>The cached files of a live package, or null when it is not held.</summary>
    public PackageFiles? Find(Guid id) => _entries.TryGetValue(id, out var files) ? files : null;

    /// <summary>
    /// Holds <paramref name="package"/>, read as live from the database after <see cref="Generation"/> was
    /// <paramref name="generationSeen"/>; ignored when a removal began since then or is under way for it.
    /// </summary>
    public void Add(PackageFiles package, long generationSeen)
    {
        var weight = Math.Max(1, package.Files.Count);
        if (weight > _maxFiles)
        {
            return;
        }

        lock (_gate)
        {
            if (_generation != generationSeen || _removing.ContainsKey(package.Id) || _entries.ContainsKey(package.Id))
            {
                return;
            }

            if (_files + weight > _maxFiles)
            {
                // Evict down to nine tenths, so a full cache does not evict on every miss.
                var target = (_maxFiles / 10 * 9) - weight;
                foreach (var id in _entries.Keys)
                {
                    if (_files <= target)
                    {
                        break;
                    }

                    RemoveHeld(id);
                }
            }

            _entries[package.Id] = package;
            _files += weight;
        }
    }

    /// <summary>Before a unit of work that may delete these packages: drop them and hold none of them until <see cref="EndRemoval"/>.</summary>
    public void BeginRemoval(IReadOnlyCollection<Guid> ids)
    {
        lock (_gate)
        {
            foreach (var id in ids)
            {
                _removing[id] = _removing.GetValueOrDefault(id) + 1;
                RemoveHeld(id);
            }

            _generation++;
        }
    }

    /// <summary>After that unit of work, committed or not: drop them again and let them be held again (only a live package ever is).</summary>
    public void EndRemoval(IReadOnlyCollection<Guid> ids)
    {
        lock (_gate)
        {
            foreach (var id in ids)
            {
                if (_removing.GetValueOrDefault(id) <= 1)
                {
                    _removing.Remove(id);
                }
                else
                {
                    _removing[id]--;
                }

                RemoveHeld(id);
            }

            _generation++;
        }
    }

    private void RemoveHeld(Guid id)
    {
        if (_entries.TryRemove(id, out var removed))
        {
            _files -= Math.Max(1, removed.Files.Count);
        }
    }
}
