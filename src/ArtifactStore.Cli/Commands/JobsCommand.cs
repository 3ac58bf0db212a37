using System.CommandLine;
using ArtifactStore.Client;

namespace ArtifactStore.Cli.Commands;

/// <summary>
/// <c>artifactstore jobs submit|get|wait|logs|cancel</c>: client commands for a running server (<c>--server</c>,
/// or the server that holds the data root), with progress on stderr while uploading and waiting.
/// </summary>
internal static class JobsCommand
{
    public static Command Create()
    {
        var command = new Command("jobs", "Submit conversion jobs to a running server and follow them.");
        command.Subcommands.Add(Submit());
        command.Subcommands.Add(Get());
        command.Subcommands.Add(Wait());
        command.Subcommands.Add(Logs());
        command.Subcommands.Add(Cancel());
        return command;
    }

    private static Command Submit()
    {
        var access = new StoreAccess();
        var type = new Option<string>("--type") { Description = "The job type (from Jobs:Types in the server's configuration).", Required = true };
        var input = new Option<FileInfo>("--input") { Description = "The input file.", Required = true };
        var options = new Option<string?>("--options") { Description = "Options for the job, a JSON object." };
        var key = new Option<string?>("--idempotency-key") { Description = "Submitting again with the same key returns the same job." };
        var wait = new Option<bool>("--wait") { Description = "Wait until the job has finished; exit 0 only if it succeeded." };
        var command = new Command("submit", "Upload an input file and queue a job; prints the job.") { type, input, options, key, wait };
        access.AddTo(command);
        command.SetAction((parse, ct) => RemoteAsync(access, parse, async (client, token) =>
        {
            var file = parse.GetValue(input)!;
            if (!file.Exists)
            {
                await Console.Error.WriteLineAsync($"artifactstore: {file.FullName} does not exist");
                return ExitCodes.Failed;
            }

            await using var content = new ProgressStream(file.OpenRead(), file.Length, $"uploading {file.Name}");
            var job = await client.SubmitJobAsync(parse.GetValue(type)!, file.Name, content, parse.GetValue(options), parse.GetValue(key), token);
            StoreAccess.Print(job);
            return parse.GetValue(wait) ? await WaitAsync(client, job.Id, token) : ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Get()
    {
        var access = new StoreAccess();
        var id = new Argument<string>("id") { Description = "The job id." };
        var command = new Command("get", "Print a job.") { id };
        access.AddTo(command);
        command.SetAction((parse, ct) => RemoteAsync(access, parse, async (client, token) =>
        {
            StoreAccess.Print(await client.GetJobAsync(parse.GetValue(id)!, token));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Wait()
    {
        var access = new StoreAccess();
        var id = new Argument<string>("id") { Description = "The job id." };
        var command = new Command("wait", "Wait until a job has finished, showing its progress; exit 0 only if it succeeded.") { id };
        access.AddTo(command);
        command.SetAction((parse, ct) => RemoteAsync(access, parse, (client, token) => WaitAsync(client, parse.GetValue(id)!, token), ct));
        return command;
    }

    private static Command Logs()
    {
        var access = new StoreAccess();
        var id = new Argument<string>("id") { Description = "The job id." };
        var noFollow = new Option<bool>("--no-follow") { Description = "Print what the log holds now instead of following it until the job ends." };
        var command = new Command("logs", "Print a job's log (stdout and stderr of its command), following it while the job runs.") { id, noFollow };
        access.AddTo(command);
        command.SetAction((parse, ct) => RemoteAsync(access, parse, async (client, token) =>
        {
            await using var stdout = Console.OpenStandardOutput();
            await client.CopyJobLogAsync(parse.GetValue(id)!, stdout, follow: !parse.GetValue(noFollow), token);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Cancel()
    {
        var access = new StoreAccess();
        var id = new Argument<string>("id") { Description = "The job id." };
        var command = new Command("cancel", "Cancel a queued or running job (its processes are terminated); prints the job.") { id };
        access.AddTo(command);
        command.SetAction((parse, ct) => RemoteAsync(access, parse, async (client, token) =>
        {
            StoreAccess.Print(await client.CancelJobAsync(parse.GetValue(id)!, token));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static async Task<int> WaitAsync(ArtifactStoreClient client, string id, CancellationToken cancellationToken)
    {
        var job = await client.WaitForJobAsync(id, TimeSpan.FromMilliseconds(250),
            j => Console.Error.WriteLine($"job {j.Id}: {j.State}{(j.State is "running" or "queued" && j.Attempts > 0 ? $" (attempt {j.Attempts} of {j.MaxAttempts})" : string.Empty)}"),
            cancellationToken);
        StoreAccess.Print(job);
        if (job.Error is { } error)
        {
            await Console.Error.WriteLineAsync($"artifactstore: job {job.Id} {job.State}: {error.Code}: {error.Message}");
        }

        return job.State == "succeeded" ? ExitCodes.Ok : ExitCodes.Failed;
    }

    /// <summary>Jobs run in a server; these commands never open the data root themselves.</summary>
    private static Task<int> RemoteAsync(StoreAccess access, ParseResult parse, Func<ArtifactStoreClient, CancellationToken, Task<int>> run, CancellationToken cancellationToken) =>
        access.RunAsync(parse,
            async (http, ct) =>
            {
                try
                {
                    return await run(new ArtifactStoreClient(http), ct);
                }
                catch (ArtifactStoreException e)
                {
                    await Console.Error.WriteLineAsync($"artifactstore: the server answered {e.Status}: {e.Code}: {e.Message}");
                    return ExitCodes.Failed;
                }
                catch (HttpRequestException e)
                {
                    await Console.Error.WriteLineAsync($"artifactstore: cannot reach the server: {e.Message}");
                    return ExitCodes.RootUnavailable;
                }
            },
            local: null,
            cancellationToken);
}
