using System.Text.RegularExpressions;
using ArtifactStore.Core.Retention;

namespace ArtifactStore.Core.Jobs;

/// <summary>The <c>Jobs</c> section of the configuration (docs/configuration.md, docs/jobs.md).</summary>
public sealed partial record JobOptions
{
    /// <summary>How many jobs run at once in this process. Default: the number of cores.</summary>
    public int Slots { get; init; } = Environment.ProcessorCount;

    public IReadOnlyDictionary<string, JobType> Types { get; init; } = new Dictionary<string, JobType>(StringComparer.Ordinal);

    /// <summary>How long a lease holds without a heartbeat; heartbeats come every third of it. Default 30 s.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Between SIGTERM and SIGKILL when a running job is canceled or timed out. Default 10 s.</summary>
    public TimeSpan KillGracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often idle slots look for work whose backoff has passed. Default 1 s.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public JobType? Find(string name) => Types.GetValueOrDefault(name);

    public IEnumerable<string> Validate(RetentionOptions retention)
    {
        if (Slots is < 1 or > 1024)
        {
            yield return "Jobs:Slots: must be from 1 to 1024";
        }

        if (LeaseDuration < TimeSpan.FromSeconds(1) || LeaseDuration > TimeSpan.FromDays(1))
        {
            yield return "Jobs:LeaseDuration: must be from 1 second to 1 day";
        }

        if (KillGracePeriod < TimeSpan.Zero)
        {
            yield return "Jobs:KillGracePeriod: must not be negative";
        }

        if (PollInterval <= TimeSpan.Zero || PollInterval > TimeSpan.FromHours(1))
        {
            yield return "Jobs:PollInterval: must be positive and at most 1 hour";
        }

        foreach (var type in Types.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            var key = $"Jobs:Types:{type.Name}";
            if (!TypeName().IsMatch(type.Name))
            {
                yield return $"{key}: job type names are 1-64 of a-z, A-Z, 0-9, '.', '_' and '-'";
            }

            if (type.Handler is null && (type.Command.Count == 0 || string.IsNullOrWhiteSpace(type.Command[0])))
            {
                yield return $"{key}:Command: a job type needs a command (an array: program, then arguments)";
            }

            if (type.Timeout <= TimeSpan.Zero || type.Timeout > TimeSpan.FromDays(7))
            {
                yield return $"{key}:Timeout: must be positive and at most 7 days";
            }

            if (type.MaxAttempts is < 1 or > 100)
            {
                yield return $"{key}:MaxAttempts: must be from 1 to 100";
            }

            foreach (var name in type.PassEnvironment)
            {
                if (!VariableName().IsMatch(name))
                {
                    yield return $"{key}:PassEnvironment: '{name}' is not an environment variable name (letters, digits and '_', not starting with a digit)";
                }
                else if (name.StartsWith("ARTIFACTSTORE_", StringComparison.OrdinalIgnoreCase))
                {
                    // The store's own variables are its configuration and its token; the job's are set by the runner.
                    yield return $"{key}:PassEnvironment: '{name}' cannot be passed to a job: ARTIFACTSTORE_* variables are the store's own";
                }
            }

            if (type.Backoff < TimeSpan.Zero)
            {
                yield return $"{key}:Backoff: must not be negative";
            }

            foreach (var (setting, className) in new[] { ("InputClass", type.InputClass), ("OutputClass", type.OutputClass) })
            {
                if (retention.Find(className) is null)
                {
                    yield return $"{key}:{setting}: '{className}' is not a known retention class ({string.Join(", ", retention.Classes.Keys.Order(StringComparer.Ordinal))})";
                }
            }
        }
    }

    [GeneratedRegex(@"\A[A-Za-z0-9._-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TypeName();

    [GeneratedRegex(@"\A[A-Za-z_][A-Za-z0-9_]{0,127}\z", RegexOptions.CultureInvariant)]
    private static partial Regex VariableName();
}
