namespace ArtifactStore.Container.Tests;

/// <summary>What a finished command left: its exit code and output.</summary>
internal sealed record CommandResult(string CommandLine, int ExitCode, string Stdout, string Stderr)
{
    public string Describe() => $"`{CommandLine}` exited {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";

    /// <summary>This result, or an exception that shows the command and its output.</summary>
    public CommandResult EnsureSuccess() =>
        ExitCode == 0 ? this : throw new InvalidOperationException(Describe());
}
