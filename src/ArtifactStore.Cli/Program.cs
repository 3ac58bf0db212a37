using System.CommandLine;
using ArtifactStore.Cli.Commands;

var root = new RootCommand("ArtifactStore: durable artifact storage with auditable retention.")
{
    ServeCommand.Create(),
    ConfigCommand.Create(),
    RebuildViewsCommand.Create(),
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
};
// SIGTERM and Ctrl-C are left to the commands: 'serve' drains requests for Shutdown:GracePeriod,
// which System.CommandLine's own handling would cut off after two seconds (exit 143).
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
