using ArtifactStore.Core.Health;

namespace ArtifactStore.Core.Jobs;

/// <summary>
/// The readiness check <c>job_commands</c> (docs/jobs.md, "Job types"): every configured command can be found
/// where the job will look for it, the <c>PATH</c> the job gets (<see cref="JobEnvironment"/>) or its absolute
/// path. A missing converter is reported at start, with what to install, instead of being found by the first
/// job, which would fail every attempt with exit code 127. A command given relative to the job's directory
/// (<c>./x</c>) or built from a placeholder cannot be checked before a job runs and is skipped.
/// </summary>
public static class JobCommandCheck
{
    /// <summary>Debian packages that provide commands the examples use.</summary>
    private static readonly Dictionary<string, string> KnownPackages = new(StringComparer.Ordinal)
    {
        ["pdftotext"] = "poppler-utils",
        ["pdftoppm"] = "poppler-utils",
        ["pandoc"] = "pandoc",
        ["libreoffice"] = "libreoffice",
        ["convert"] = "imagemagick",
    };

    public static HealthCheck Evaluate(JobOptions jobs, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(environment);
        var path = environment("PATH") is { Length: > 0 } value ? value : JobEnvironment.DefaultPath;
        var missing = new List<(string Type, string Program)>();
        var checkedCount = 0;
        foreach (var type in jobs.Types.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            if (type.Handler is not null || type.Command.Count == 0 || type.Command[0] is not { Length: > 0 } program || program.Contains('{', StringComparison.Ordinal))
            {
                continue;
            }

            if (program.Contains('/', StringComparison.Ordinal) && !Path.IsPathRooted(program))
            {
                continue;
            }

            checkedCount++;
            var found = Path.IsPathRooted(program)
                ? IsExecutable(program)
                : FindOnPath(program, path) is not null;
            if (!found)
            {
                missing.Add((type.Name, program));
            }
        }

        if (missing.Count == 0)
        {
            return HealthCheck.Ok(HealthCheckNames.JobCommands, $"{checkedCount} job command(s) found");
        }

        var problem = "job commands not found: " + string.Join("; ", missing.Select(m =>
            $"type '{m.Type}' runs '{m.Program}', which is {(Path.IsPathRooted(m.Program) ? "not an executable file" : $"not on the job's PATH ({path})")}"));
        var install = missing.Select(m => Path.GetFileName(m.Program)).Where(KnownPackages.ContainsKey).Select(p => KnownPackages[p]).Distinct(StringComparer.Ordinal).ToList();
        var remedy = (install.Count > 0 ? $"install it (sudo apt-get install -y {string.Join(' ', install)}), or " : "install it, or ") +
            "correct the type's Command (Jobs:Types) and restart; readiness is checked again every Readiness:CheckInterval, so installing it is enough";
        return HealthCheck.Failed(HealthCheckNames.JobCommands, problem, remedy);
    }

    /// <summary>The first executable file named <paramref name="program"/> in the directories of <paramref name="path"/>, as the job will find it.</summary>
    internal static string? FindOnPath(string program, string path) =>
        path.Split(':').Where(directory => directory.Length > 0).Select(directory => Path.Combine(directory, program)).FirstOrDefault(IsExecutable);

    private static bool IsExecutable(string file) =>
        File.Exists(file) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(file) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);
}
