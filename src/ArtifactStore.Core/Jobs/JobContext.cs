namespace ArtifactStore.Core.Jobs;

/// <summary>What a handler gets for one attempt: paths inside the job's working directory and its parameters.</summary>
public sealed class JobContext
{
    public required Guid JobId { get; init; }

    public required string Type { get; init; }

    public required int Attempt { get; init; }

    /// <summary>The job's working directory, <c>jobs/&lt;id&gt;/</c>.</summary>
    public required string WorkingDirectory { get; init; }

    /// <summary><c>raw/input.&lt;ext&gt;</c>: the input as uploaded.</summary>
    public required string InputPath { get; init; }

    /// <summary><c>artifacts/</c>: everything written here becomes the output package.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary><c>home/</c>: a scratch <c>HOME</c> for the command, empty at the start of each attempt.</summary>
    public required string HomeDirectory { get; init; }

    /// <summary><c>tmp/</c>: the command's <c>TMPDIR</c>, empty at the start of each attempt.</summary>
    public required string TempDirectory { get; init; }

    /// <summary>The submission's <c>options</c>, canonical JSON (<c>{}</c> when none were given).</summary>
    public required string OptionsJson { get; init; }

    /// <summary><c>logs/run.log</c>, open for appending; a command's stdout and stderr go here.</summary>
    public required Stream Log { get; init; }

    /// <summary>Told the process group of a started command, so that a later process can kill what a crash left running.</summary>
    public Func<int, Task> ProcessStarted { get; init; } = _ => Task.CompletedTask;
}
