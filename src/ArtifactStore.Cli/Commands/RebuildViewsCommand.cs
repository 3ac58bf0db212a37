using System.CommandLine;

namespace ArtifactStore.Cli.Commands;

/// <summary><c>artifactstore rebuild-views</c>: replay the event log into fresh views (the server must be stopped).</summary>
internal static class RebuildViewsCommand
{
    public static Command Create()
    {
        var store = new StoreOptionsArguments();
        var command = new Command("rebuild-views", "Drop the views and rebuild them by replaying every event.");
        store.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (opened, exitCode) = await StoreOptionsArguments.OpenAsync(store.Load(parse), cancellationToken);
            if (opened is null)
            {
                return exitCode;
            }

            await using var runtime = opened;
            await runtime.Database.RebuildViewsAsync(cancellationToken);
            var head = await runtime.Database.Views.GetHeadSeqAsync(cancellationToken);
            Console.WriteLine($"rebuilt the views of {runtime.Root.Path} from {head} events");
            return ExitCodes.Ok;
        });
        return command;
    }
}
