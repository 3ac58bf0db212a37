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
    FsckCommand.Create(),
    BackupCommand.Create(),
    RestoreCommand.Create(),
    MigrateCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
