namespace ArtifactStore.Cli.Commands;

/// <summary>
/// The files <c>packages put</c> uploads: a file goes in under its own name, a directory's files under their
/// paths relative to that directory (with '/' separators, as package paths are written).
/// </summary>
internal static class UploadFiles
{
    public sealed record Entry(string Source, string PackagePath);

    public static (List<Entry> Files, string? Problem) Collect(IEnumerable<string> paths)
    {
        var files = new List<Entry>();
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                files.Add(new Entry(Path.GetFullPath(path), Path.GetFileName(Path.GetFullPath(path))));
            }
            else if (Directory.Exists(path))
            {
                var directory = Path.GetFullPath(path);
                files.AddRange(Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
                    .Order(StringComparer.Ordinal)
                    .Select(f => new Entry(f, Path.GetRelativePath(directory, f).Replace(Path.DirectorySeparatorChar, '/'))));
            }
            else
            {
                return ([], $"{path} does not exist");
            }
        }

        if (files.Count == 0)
        {
            return ([], "there are no files to upload (the directories given are empty)");
        }

        // Two sources for one package path would be refused by the server; naming both helps more.
        var clash = files.GroupBy(f => f.PackagePath, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        return clash is null
            ? (files, null)
            : ([], $"'{clash.Key}' would be uploaded twice (from {string.Join(" and ", clash.Select(f => f.Source))})");
    }
}
