using System.Globalization;

namespace ArtifactStore.Core.Jobs;

/// <summary>
/// The environment a job's command starts with (docs/jobs.md, "Environment"). It is built from
/// nothing, not from the server's: the server's environment holds its secrets (tokens, cloud
/// credentials, connection strings) and its configuration, none of which a converter needs. A job
/// gets a working <c>PATH</c>, a scratch <c>HOME</c> and <c>TMPDIR</c> inside its own directory, the
/// locale and time zone if the server has them, its <c>ARTIFACTSTORE_*</c> variables, and the
/// variables its type names in <see cref="JobType.PassEnvironment"/>, copied from the server's.
/// </summary>
public static class JobEnvironment
{
    /// <summary>Used when the server itself has no <c>PATH</c>.</summary>
    public const string DefaultPath = "/usr/local/bin:/usr/bin:/bin";

    /// <summary>Copied from the server's environment when set there.</summary>
    public static readonly IReadOnlyList<string> Inherited = ["LANG", "LC_ALL", "TZ"];

    /// <summary>
    /// The variables for one attempt. <paramref name="server"/> reads the server's environment (a
    /// parameter, so that tests need not change the process's own).
    /// </summary>
    public static IReadOnlyDictionary<string, string> For(JobContext context, IEnumerable<string> passEnvironment, Func<string, string?> server)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = server("PATH") is { Length: > 0 } path ? path : DefaultPath,
            ["HOME"] = context.HomeDirectory,
            ["TMPDIR"] = context.TempDirectory,
        };
        foreach (var name in Inherited.Concat(passEnvironment))
        {
            if (server(name) is { } value)
            {
                variables[name] = value;
            }
        }

        // Last, so that nothing passed through can stand in for what the runner defines.
        variables["ARTIFACTSTORE_INPUT"] = context.InputPath;
        variables["ARTIFACTSTORE_OUTPUT_DIR"] = context.OutputDirectory;
        variables["ARTIFACTSTORE_JOB_ID"] = context.JobId.ToString();
        variables["ARTIFACTSTORE_JOB_TYPE"] = context.Type;
        variables["ARTIFACTSTORE_JOB_ATTEMPT"] = context.Attempt.ToString(CultureInfo.InvariantCulture);
        variables["ARTIFACTSTORE_OPTIONS"] = context.OptionsJson;
        return variables;
    }
}
