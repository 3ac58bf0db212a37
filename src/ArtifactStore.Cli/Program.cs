using System.CommandLine;
using ArtifactStore.Cli.Commands;
using ArtifactStore.Core.Errors;

var root = new RootCommand("ArtifactStore: durable artifact storage with auditable retention.")
{
    ServeCommand.Create(),
    ConfigCommand.Create(),
    RebuildViewsCommand.Create(),
    PackagesCommand.Create(),
    EventsCommand.Create(),
    RetentionCommand.Create(),
    GcCommand.Create(),
    TokenCommand.Create(),
    JobsCommand.Create(),
    DoctorCommand.Create(),
    HealthCommand.Create(),
    FsckCommand.Create(),
    BackupCommand.Create(),
    RestoreCommand.Create(),
    MigrateCommand.Create(),
    CopyStoreCommand.Create(),
};
try
{
    // SIGTERM and Ctrl-C are left to the commands: 'serve' drains requests for Shutdown:GracePeriod,
    // which System.CommandLine's own handling would cut off after two seconds (exit 143).
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (StorageFull.IsCause(e))
{
    // A full disk is an operating condition, not a bug: one line and its own exit code, wherever a command met it.
    await Console.Error.WriteLineAsync($"artifactstore: {StorageFull.Message}");
    return ExitCodes.InsufficientStorage;
}
catch (Exception e)
{
    // What System.CommandLine's default handler did: the exception, and "failed".
    await Console.Error.WriteLineAsync($"Unhandled exception: {e}");
    return ExitCodes.Failed;
}
