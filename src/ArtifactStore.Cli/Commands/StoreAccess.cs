using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;
using ArtifactStore.Client;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Roots;
using ArtifactStore.Server.Hosting;
using ArtifactStore.Server.Http;

namespace ArtifactStore.Cli.Commands;

/// <summary>
/// Runs an operator command either against the server that holds the data root (found through the
/// lock file, or named with --server / ARTIFACTSTORE_URL) or, when no server runs, directly on the root.
/// </summary>
internal sealed class StoreAccess
{
    public StoreOptionsArguments Store { get; } = new();

    /// <summary>The environment variable that stands for <c>--server</c>.</summary>
    public const string UrlVariable = "ARTIFACTSTORE_URL";

    /// <summary>The environment variable that stands for <c>--token</c>.</summary>
    public const string TokenVariable = "ARTIFACTSTORE_TOKEN";

    public Option<string?> Server { get; } = new("--server") { Description = $"Talk to this server's base URL (default: {UrlVariable}, else the server holding the data root)." };

    public Option<string?> Token { get; } = new("--token") { Description = $"API token for the server (default: {TokenVariable})." };

    public void AddTo(Command command)
    {
        Store.AddTo(command);
        command.Options.Add(Server);
        command.Options.Add(Token);
    }

    /// <summary>
    /// Calls <paramref name="remote"/> with an HTTP client when a server is reachable for this root,
    /// else <paramref name="local"/> with the opened root. Returns the exit code. Without
    /// <paramref name="local"/> (commands only a server can answer) the root is never opened or created.
    /// </summary>
    public async Task<int> RunAsync(
        ParseResult parse,
        Func<HttpClient, CancellationToken, Task<int>> remote,
        Func<StoreRuntime, CancellationToken, Task<int>>? local,
        CancellationToken cancellationToken)
    {
        var server = parse.GetValue(Server) ?? NonEmpty(Environment.GetEnvironmentVariable(UrlVariable));
        if (server is null)
        {
            var loaded = Store.Load(parse);
            if (!loaded.IsValid)
            {
                return StoreOptionsArguments.ReportProblems(loaded);
            }

            var lockPath = Path.Combine(loaded.Options!.DataRoot, "lock");
            if (Directory.Exists(loaded.Options.DataRoot) && File.Exists(lockPath) && RootLock.IsHeld(lockPath))
            {
                server = RootLock.ReadHolder(lockPath)?.Url;
                if (server is null)
                {
                    await Console.Error.WriteLineAsync($"artifactstore: the data root {loaded.Options.DataRoot} is in use by a process that does not serve HTTP; try again when it has finished");
                    return ExitCodes.RootUnavailable;
                }

                // The lock records the listen address; a wildcard one (a container's 0.0.0.0) is asked on loopback.
                server = ConnectUrl.From(server)?.ToString() ?? server;
                await Console.Error.WriteLineAsync($"artifactstore: a server holds the data root; asking it at {server}");
            }
            else if (local is null)
            {
                await Console.Error.WriteLineAsync(
                    $"artifactstore: no server is running on the data root {loaded.Options.DataRoot}; start one with 'artifactstore serve', or name one with --server URL");
                return ExitCodes.RootUnavailable;
            }
            else
            {
                var (opened, exitCode) = await StoreOptionsArguments.OpenAsync(loaded, cancellationToken);
                if (opened is null)
                {
                    return exitCode;
                }

                await using var runtime = opened;
                return await local(runtime, cancellationToken);
            }
        }

        if (!Uri.TryCreate(server.TrimEnd('/') + "/", UriKind.Absolute, out var baseAddress) || (baseAddress.Scheme != Uri.UriSchemeHttp && baseAddress.Scheme != Uri.UriSchemeHttps))
        {
            await Console.Error.WriteLineAsync($"artifactstore: '{server}' is not a server URL (give --server or {UrlVariable} as http://HOST:PORT)");
            return ExitCodes.Failed;
        }

        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromHours(1) };
        var token = parse.GetValue(Token) ?? Environment.GetEnvironmentVariable(TokenVariable);
        if (!string.IsNullOrEmpty(token))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        try
        {
            return await remote(http, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            await Console.Error.WriteLineAsync($"artifactstore: cannot reach the server at {http.BaseAddress}: {e.Message}");
            return ExitCodes.Failed;
        }
    }

    /// <summary>Prints a successful JSON answer to stdout, or the problem to stderr; returns the exit code.</summary>
    public static async Task<int> PrintAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var detail = text;
            try
            {
                using var problem = JsonDocument.Parse(text);
                detail = $"{problem.RootElement.GetProperty("code").GetString()}: {problem.RootElement.GetProperty("detail").GetString()}";
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
            }

            await Console.Error.WriteLineAsync($"artifactstore: the server answered {(int)response.StatusCode}: {detail}{TokenHint((int)response.StatusCode)}");
            return ExitCodes.Failed;
        }

        using var document = JsonDocument.Parse(text);
        Console.WriteLine(JsonSerializer.Serialize(document.RootElement, Indented));
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Like <see cref="RunAsync"/> for commands only a server can answer (the root is never opened): a client
    /// for the server, and a problem answer printed as one line with its code.
    /// </summary>
    public Task<int> RunRemoteAsync(ParseResult parse, Func<ArtifactStoreClient, HttpClient, CancellationToken, Task<int>> run, CancellationToken cancellationToken) =>
        RunAsync(parse,
            async (http, ct) =>
            {
                try
                {
                    return await run(new ArtifactStoreClient(http), http, ct);
                }
                catch (ArtifactStoreException e)
                {
                    await Console.Error.WriteLineAsync($"artifactstore: the server answered {e.Status}: {e.Code}: {e.Detail}{TokenHint(e.Status)}");
                    return ExitCodes.Failed;
                }
                catch (HttpRequestException e)
                {
                    await Console.Error.WriteLineAsync($"artifactstore: cannot reach the server at {http.BaseAddress}: {e.Message}");
                    return ExitCodes.RootUnavailable;
                }
            },
            local: null,
            cancellationToken);

    /// <summary>What a person needs after a 401: how to give a token, since the CLI sends none unless told.</summary>
    public static string TokenHint(int status) =>
        status == 401 ? $" (pass a token with --token TOKEN or the {TokenVariable} environment variable)" : string.Empty;

    public static void Print(object document) => Console.WriteLine(JsonSerializer.Serialize(document, Indented));

    /// <summary>Prints a successful result as JSON to stdout, or its error to stderr; returns the exit code.</summary>
    public static async Task<int> PrintAsync<T>(Result<T> result, Func<T, object> document)
    {
        if (!result.IsSuccess)
        {
            await Console.Error.WriteLineAsync($"artifactstore: {result.Error.Code}: {result.Error.Message}");
            return ExitCodes.Failed;
        }

        Print(document(result.Value));
        return ExitCodes.Ok;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static readonly JsonSerializerOptions Indented = new(JsonDefaults.Options) { WriteIndented = true };
}
