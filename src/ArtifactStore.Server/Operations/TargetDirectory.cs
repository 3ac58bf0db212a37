using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Roots;

namespace ArtifactStore.Server.Operations;

/// <summary>
/// A directory that backup or restore fills: it must be new or empty, so that nothing already in it can
/// be overwritten or mixed in, and it is put back as it was (removed, or emptied) if the operation fails.
/// </summary>
internal sealed class TargetDirectory
{
    private TargetDirectory(string path, bool created)
    {
        Path = path;
        Created = created;
    }

    public string Path { get; }

    public bool Created { get; }

    /// <param name="path">The directory.</param>
    /// <param name="what">What it is for, in messages ("the backup destination").</param>
    /// <param name="code">The error code for a refusal.</param>
    public static Result<TargetDirectory> Claim(string path, string what, string code)
    {
        if (Check(path, what, code) is { } problem)
        {
            return problem;
        }

        var full = System.IO.Path.GetFullPath(path);
        var created = !Directory.Exists(full);
        Directory.CreateDirectory(full);
        return new TargetDirectory(full, created);
    }

    /// <summary>Why <paramref name="path"/> cannot be filled, or null when it can (it is new or empty, outside any root).</summary>
    public static StoreError? Check(string path, string what, string code)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (File.Exists(full))
        {
            return new StoreError(code, $"{what} {full} is a file; give a new or empty directory");
        }

        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
        {
            return new StoreError(code, $"{what} {full} is not empty; give a new or empty directory (nothing is ever written over)");
        }

        if (DataRoot.FindEnclosingRoot(full) is { } root)
        {
            return new StoreError(code, $"{what} {full} is inside the data root {root}; choose a directory outside any data root");
        }

        return null;
    }

    /// <summary>Removes what a failed operation wrote.</summary>
    public void Abandon()
    {
        try
        {
            if (Created)
            {
                Directory.Delete(Path, recursive: true);
                return;
            }

            foreach (var entry in Directory.EnumerateFileSystemEntries(Path))
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
        catch (IOException)
        {
            // Best effort: the error that made us abandon it is what the operator needs to see.
        }
    }
}
