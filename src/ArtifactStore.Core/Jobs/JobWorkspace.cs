using System.Text.Json;
using System.Text.Json.Nodes;
using ArtifactStore.Core.Packages;

namespace ArtifactStore.Core.Jobs;

/// <summary>
/// The working directory of one job (docs/data-layout.md): <c>raw/input.&lt;ext&gt;</c>, <c>artifacts/</c>,
/// <c>logs/run.log</c> and <c>manifest.json</c>. The log is kept across the attempts this process
/// runs; the rest is fresh for every attempt.
/// </summary>
internal sealed class JobWorkspace(string jobsDirectory, Guid jobId)
{
    public string Directory { get; } = Path.Combine(jobsDirectory, jobId.ToString());

    public string RawDirectory => Path.Combine(Directory, "raw");

    public string ArtifactsDirectory => Path.Combine(Directory, "artifacts");

    public string LogPath => Path.Combine(Directory, "logs", "run.log");

    public string ManifestPath => Path.Combine(Directory, "manifest.json");

    public string InputPath(string inputFileName)
    {
        var extension = Path.GetExtension(inputFileName);
        return Path.Combine(RawDirectory, "input" + (extension.Length is > 1 and <= 16 && extension.All(c => char.IsAsciiLetterOrDigit(c) || c == '.') ? extension : string.Empty));
    }

    /// <summary>Clears what an earlier attempt left (but its log) and creates the directories.</summary>
    public void Prepare()
    {
        DeleteIfPresent(RawDirectory);
        DeleteIfPresent(ArtifactsDirectory);
        System.IO.Directory.CreateDirectory(RawDirectory);
        System.IO.Directory.CreateDirectory(ArtifactsDirectory);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(LogPath)!);
    }

    public async Task WriteManifestAsync(JobView job, int attempt, PackageFile input, string state, DateTimeOffset at, CancellationToken cancellationToken)
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
        await File.WriteAllTextAsync(ManifestPath, manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
    }

    /// <summary>
    /// The files of the output package: everything under <c>artifacts/</c> (as <c>artifacts/…</c>) and the
    /// log. A symbolic link is refused: following it could publish any file the store can read.
    /// </summary>
    public IReadOnlyList<(string PackagePath, string FilePath)> OutputFiles(out string? problem)
    {
        problem = null;
        var files = new List<(string, string)>();
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        foreach (var entry in new DirectoryInfo(ArtifactsDirectory).EnumerateFileSystemInfos("*", options))
        {
            var relative = Path.GetRelativePath(ArtifactsDirectory, entry.FullName).Replace(Path.DirectorySeparatorChar, '/');
            if (entry.LinkTarget is not null)
            {
                problem = $"artifacts/{relative} is a symbolic link; a job's output must be regular files";
                return [];
            }

            if (entry is FileInfo)
            {
                files.Add(("artifacts/" + relative, entry.FullName));
            }
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        files.Add(("logs/run.log", LogPath));
        return files;
    }

    /// <summary>The last bytes of the log as text, for <c>error.message</c>.</summary>
    public string LogTail(int maxBytes = 2048)
    {
        try
        {
            using var log = File.OpenRead(LogPath);
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
