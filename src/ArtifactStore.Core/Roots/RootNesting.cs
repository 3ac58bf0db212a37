using ArtifactStore.Core.Platform;

namespace ArtifactStore.Core.Roots;

/// <summary>
/// Finds data roots above and below a directory (docs/data-layout.md: roots may not be nested, either way).
/// Parents are looked up along the real path and along every other path the mount table shows for
/// the same directory, so a bind mount of a directory inside a root is recognised as inside it.
/// </summary>
internal static class RootNesting
{
    /// <summary>The nearest root that contains <paramref name="realPath"/>, and the path through which it was found; null if none.</summary>
    public static (string Root, string Via)? FindAncestor(string realPath)
    {
        foreach (var path in MountTable.AliasesOf(realPath).Prepend(realPath))
        {
            for (var dir = Directory.GetParent(path); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, RootMarker.FileName)))
                {
                    return (dir.FullName, path);
                }
            }
        }

        return null;
    }

    /// <summary>A root below <paramref name="realPath"/>, skipping the backend's directories (<paramref name="store"/>), which cannot hold one; null if none.</summary>
    public static string? FindNested(string realPath, StoreLayout store)
    {
        var pending = new Stack<(string Dir, int Depth)>();
        pending.Push((realPath, 0));
        while (pending.Count > 0)
        {
            var (dir, depth) = pending.Pop();
            if (depth > 0 && File.Exists(Path.Combine(dir, RootMarker.FileName)))
            {
                return dir;
            }

            if (depth >= 4)
            {
                continue;
            }

            IEnumerable<string> children;
            try
            {
                children = Directory.EnumerateDirectories(dir).ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            foreach (var child in children)
            {
                var name = Path.GetFileName(child);
                if (depth == 0 && store.Directories.Contains(name))
                {
                    continue;
                }

                pending.Push((child, depth + 1));
            }
        }

        return null;
    }
}
