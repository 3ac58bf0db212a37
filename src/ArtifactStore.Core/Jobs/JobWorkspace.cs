using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ArtifactStore.Core.Packages;
using ArtifactStore.Core.Platform;

namespace ArtifactStore.Core.Jobs;

/// <summary>
/// The working directory of one job (docs/data-layout.md): <c>raw/input.&lt;ext&gt;</c>, <c>artifacts/</c>,
/// <c>logs/run.log</c>, <c>manifest.json</c>, and the command's scratch <c>home/</c> and <c>tmp/</c>. The log is kept across the attempts this process
/// runs; the rest is fresh for every attempt.
/// </summary>
internal sealed class JobWorkspace(string jobsDirectory, Guid jobId)
{
    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    public string Directory { get; } = Path.Combine(jobsDirectory, jobId.ToString());

    /// <summary>The mode a directory <see cref="Prepare"/> makes gets (from the process's umask), once one was made.</summary>
    internal static UnixFileMode? PreparedMode { get; private set; }

    public string RawDirectory => Path.Combine(Directory, "raw");

    public string ArtifactsDirectory => Path.Combine(Directory, "artifacts");

    public string HomeDirectory => Path.Combine(Directory, "home");

    public string TempDirectory => Path.Combine(Directory, "tmp");

    public string LogPath => Path.Combine(Directory, "logs", "run.log");

    public string ManifestPath => Path.Combine(Directory, "manifest.json");

    /// <summary>The running command's process group and the boot it was started in (docs/jobs.md, "Recovery after a crash").</summary>
    public string ProcessGroupPath => Path.Combine(Directory, "process-group");

    /// <summary>The five directories <see cref="Prepare"/> makes, which a cleared spare keeps (<see cref="TryClearForReuse"/>).</summary>
    private string[] WorkDirectories => [RawDirectory, ArtifactsDirectory, HomeDirectory, TempDirectory, Path.GetDirectoryName(LogPath)!];

    public string InputPath(string inputFileName)
    {
        var extension = Path.GetExtension(inputFileName);
        return Path.Combine(RawDirectory, "input" + (extension.Length is > 1 and <= 16 && extension.All(c => char.IsAsciiLetterOrDigit(c) || c == '.') ? extension : string.Empty));
    }

    /// <summary>Clears what an earlier attempt left (but its log) and creates the directories.</summary>
    public void Prepare()
    {
        DeleteAllButLog();
        foreach (var directory in WorkDirectories)
        {
            System.IO.Directory.CreateDirectory(directory);
        }

        if (!OperatingSystem.IsWindows())
        {
            PreparedMode ??= File.GetUnixFileMode(RawDirectory);
        }
    }

    /// <summary>
    /// Moves <paramref name="spare"/>, the cleared directory of an earlier job (<see cref="TryClearForReuse"/>), into
    /// place as this job's, when this job has none yet: a rename instead of six directories made now and six removed
    /// after, each a new inode for the file system to find (docs/jobs.md, "The worker pool"). False (and the spare
    /// gone) when that could not be done: the caller prepares the directory as usual.
    /// </summary>
    public bool TryAdopt(string spare)
    {
        try
        {
            if (!System.IO.Directory.Exists(Directory))
            {
                System.IO.Directory.Move(spare, Directory);
                return true;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        try
        {
            DeleteIfPresent(spare);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return false;
    }

    /// <summary>
    /// Empties the directory for another job, keeping only its five directories, each empty: everything else
    /// (the input, output, scratch files, the log, <c>manifest.json</c>, anything the command left) is removed. Each
    /// entry is looked at with lstat and never followed: a link is removed, not emptied. False when the directory
    /// is not as this process made it (one of the five is missing or is not a directory) or cannot be emptied; the
    /// caller then removes it whole.
    /// </summary>
    public bool TryClearForReuse()
    {
        var kept = WorkDirectories;
        try
        {
            if (RegularFiles.KindOf(Directory) != FileKind.Directory || kept.Any(d => RegularFiles.KindOf(d) != FileKind.Directory))
            {
                return false;
            }

            // A command may change the modes of its own directories (make tmp/ read-only, artifacts/ world-writable);
            // the next job must not inherit that, so such a tree is removed rather than kept.
            if (OperatingSystem.IsWindows() || PreparedMode is not { } mode || !AllHaveMode([Directory, .. kept], mode))
            {
                return false;
            }

            foreach (var entry in Entries(Directory))
            {
                if (kept.Contains(entry, StringComparer.Ordinal))
                {
                    foreach (var inner in Entries(entry))
                    {
                        DeleteEntry(inner);
                    }
                }
                else
                {
                    DeleteEntry(entry);
                }
            }

            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        static List<string> Entries(string directory) =>
            [.. System.IO.Directory.EnumerateFileSystemEntries(directory, "*", new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false })];

        static void DeleteEntry(string path)
        {
            if (RegularFiles.KindOf(path) == FileKind.Directory)
            {
                System.IO.Directory.Delete(path, recursive: true);
            }
            else
            {
                File.Delete(path);
            }
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static bool AllHaveMode(string[] directories, UnixFileMode mode)
    {
        foreach (var directory in directories)
        {
            if (File.GetUnixFileMode(directory) != mode)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Removes the attempt's input, output and scratch directories, keeping the log for the next attempt.</summary>
    public void DeleteAllButLog()
    {
        foreach (var directory in new[] { RawDirectory, ArtifactsDirectory, HomeDirectory, TempDirectory })
        {
            DeleteIfPresent(directory);
        }
    }

    /// <summary>Writes <c>manifest.json</c>: a few hundred bytes, written on the calling thread rather than through a thread-pool hop.</summary>
    public void WriteManifest(JobView job, int attempt, PackageFile input, string state, DateTimeOffset at)
    {
        var manifest = new JsonObject
        {
            ["job_id"] = job.Id.ToString(),
            ["type"] = job.Type,
            ["state"] = state,
            ["attempt"] = attempt,
            ["max_attempts"] = job.MaxAttempts,
            ["options"] = JsonNode.Parse(job.OptionsJson),
            ["input"] = new JsonObject
            {
                ["package_id"] = job.InputPackageId.ToString(),
                ["path"] = input.Path,
                ["size"] = input.Size,
                ["sha256"] = input.Sha256.ToString(),
            },
            ["updated_at"] = Time.Rfc3339.ToText(at),
        };
        File.WriteAllText(ManifestPath, manifest.ToJsonString(IndentedJson));
    }

    /// <summary>
    /// Records the command's process group for a later process to kill should this one die. Not fsynced, and
    /// not a database write: the record matters only while the machine keeps running after the server died
    /// (a machine that stopped took the group with it), and then the page cache holds it. The boot id keeps
    /// a record that did reach the disk from naming another group after a reboot.
    /// </summary>
    public void RecordProcessGroup(int group) =>
        File.WriteAllText(ProcessGroupPath, string.Create(CultureInfo.InvariantCulture, $"{group} {ProcessGroups.BootId}\n"));

    /// <summary>The command has ended and its group was killed: the record must not outlive it (a later group may get the number).</summary>
    public void ForgetProcessGroup() => File.Delete(ProcessGroupPath);

    /// <summary>The process group recorded in this boot, if any (a record from another boot names nothing of ours).</summary>
    public int? RecordedProcessGroup()
    {
        try
        {
            var parts = File.ReadAllText(ProcessGroupPath).Split(' ', 2, StringSplitOptions.TrimEntries);
            return parts.Length == 2 && parts[1] == ProcessGroups.BootId
                && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var group) && group > 1
                ? group
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The files of the output package: everything under <c>artifacts/</c> (as <c>artifacts/…</c>) and the
    /// log. Only regular files and directories are accepted, each looked at with lstat, never opened here:
    /// a symbolic link could publish any file the store can read, and a FIFO, socket or device could block
    /// the worker or feed it bytes without end. The first other entry is the <paramref name="problem"/>.
    /// </summary>
    public IReadOnlyList<(string PackagePath, string FilePath)> OutputFiles(out string? problem)
    {
        problem = null;
        var files = new List<(string, string)>();
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        foreach (var entry in new DirectoryInfo(ArtifactsDirectory).EnumerateFileSystemInfos("*", options))
        {
            var relative = Path.GetRelativePath(ArtifactsDirectory, entry.FullName).Replace(Path.DirectorySeparatorChar, '/');
            var kind = RegularFiles.KindOf(entry.FullName);
            if (kind == FileKind.Regular)
            {
                files.Add(("artifacts/" + relative, entry.FullName));
            }
            else if (kind != FileKind.Directory)
            {
                problem = NotRegular("artifacts/" + relative, kind);
                return [];
            }
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        files.Add(("logs/run.log", LogPath));
        return files;
    }

    /// <summary>Why a path of the workspace is not accepted as a file of a package.</summary>
    public static string NotRegular(string packagePath, FileKind kind) =>
        $"{packagePath} is {RegularFiles.Describe(kind)}; a job's output may hold only regular files and directories";

    /// <summary>The last bytes of the log as text, for <c>error.message</c>.</summary>
    public string LogTail(int maxBytes = 2048)
    {
        try
        {
            // The command could have replaced its log with a FIFO: never open anything but a regular file.
            using var log = RegularFiles.OpenRead(LogPath, out _);
            if (log is null)
            {
                return string.Empty;
            }

            var start = Math.Max(0, log.Length - maxBytes);
            log.Position = start;
            var bytes = new byte[log.Length - start];
            log.ReadExactly(bytes);
            return System.Text.Encoding.UTF8.GetString(bytes).Trim();
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    public void Delete() => DeleteIfPresent(Directory);

    private static void DeleteIfPresent(string path)
    {
        if (System.IO.Directory.Exists(path))
        {
            System.IO.Directory.Delete(path, recursive: true);
        }
    }
}
