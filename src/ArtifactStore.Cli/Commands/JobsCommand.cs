using System.CommandLine;
using ArtifactStore.Client;

namespace ArtifactStore.Cli.Commands;

/// <summary>
/// <c>artifactstore jobs submit|get|wait|logs|cancel|list|output</c>: client commands for a running server
/// (<c>--server</c> / ARTIFACTSTORE_URL, or the server that holds the data root), with progress on stderr while
/// uploading and waiting.
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
        command.Subcommands.Add(List());
        command.Subcommands.Add(Output());
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

    private static Command List()
    {
        var access = new StoreAccess();
        var state = new Option<string?>("--state") { Description = "Only jobs in this state (queued, running, succeeded, failed, canceled, expired)." };
        var limit = new Option<int?>("--limit") { Description = "At most this many jobs, newest first (default: the server's page size)." };
        var json = new Option<bool>("--json") { Description = "Print the server's answer as JSON instead of a table." };
        var command = new Command("list", "List jobs, newest first.") { state, limit, json };
        access.AddTo(command);
        command.SetAction((parse, ct) => access.RunRemoteAsync(parse, async (client, http, token) =>
        {
            var query = Query.Of(("state", parse.GetValue(state)), ("limit", Query.Number(parse.GetValue(limit))));
            if (parse.GetValue(json))
            {
                using var response = await http.GetAsync("v1/jobs" + query, token);
                return await StoreAccess.PrintAsync(response, token);
            }

            var page = await client.ListJobsAsync(query.TrimStart('?'), token);
            TextTable.Write(Console.Out, ["ID", "TYPE", "STATE", "ATTEMPTS", "CREATED", "OUTPUT"],
                page.Items.Select(j => new[] { j.Id, j.Type, j.State, $"{j.Attempts}/{j.MaxAttempts}", j.CreatedAt, j.OutputPackageId ?? "-" }));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Output()
    {
        var access = new StoreAccess();
        var id = new Argument<string>("id") { Description = "The job id." };
        var output = new Option<string?>("--out") { Description = "The directory to write the output files into (default: ./<job id>)." };
        var command = new Command("output", "Download a finished job's output package, verifying both digests of every file.") { id, output };
        access.AddTo(command);
        command.SetAction((parse, ct) => access.RunRemoteAsync(parse, async (client, _, token) =>
        {
            var job = await client.GetJobAsync(parse.GetValue(id)!, token);
            if (job.OutputPackageId is not { } packageId)
            {
                await Console.Error.WriteLineAsync($"artifactstore: job {job.Id} is {job.State} and has no output package");
                return ExitCodes.Failed;
            }

            return await PackageDownload.RunAsync(client, packageId, parse.GetValue(output) ?? job.Id, token);
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
        access.RunRemoteAsync(parse, (client, _, ct) => run(client, ct), cancellationToken);
}
