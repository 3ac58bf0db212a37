namespace ArtifactStore.Container.Tests;

/// <summary>
/// The podman command as this machine needs it: CONTAINERS_CONF names the settings file beside
/// these tests (runc instead of crun, explicit ulimits, because the defaults do not work on the test machines).
/// </summary>
internal static class Podman
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string TestDirectory { get; } = Path.Combine(RepositoryRoot, "tests", "ArtifactStore.Container.Tests");

    public static IDictionary<string, string> Environment { get; } = new Dictionary<string, string>
    {
        ["CONTAINERS_CONF"] = Path.Combine(TestDirectory, "containers.conf"),
    };

    public static Task<CommandResult> RunAsync(params string[] args) => Command.RunAsync("podman", args, Environment);

    public static async Task<string> InspectAsync(string container, string format) =>
        (await RunAsync("inspect", "--format", format, container)).EnsureSuccess().Stdout.Trim();

    /// <summary>Logs of a container, for failure messages.</summary>
    public static async Task<string> LogsAsync(string container)
    {
        var logs = await RunAsync("logs", container);
        return logs.Stdout + logs.Stderr;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ArtifactStore.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository root from " + AppContext.BaseDirectory);
    }
}
