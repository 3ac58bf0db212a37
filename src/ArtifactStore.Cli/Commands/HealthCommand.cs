using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using ArtifactStore.Server.Configuration;

namespace ArtifactStore.Cli.Commands;

/// <summary>
/// <c>artifactstore health [--url URL] [--timeout S]</c>: asks a server's <c>/health/ready</c> and exits
/// 0 when it answers 200, else 1 with the failing checks. It exists so a container's HEALTHCHECK needs no
/// curl; Docker reads exit 1 as "unhealthy" and reserves every other non-zero code, so every failure
/// (not ready, no answer, bad URL) is exit 1.
/// </summary>
internal static class HealthCommand
{
    public static Command Create()
    {
        var url = new Option<string?>("--url")
        {
            Description = "The server's base URL (default: the first of ARTIFACTSTORE_URLS / Urls in the configuration; a wildcard host such as 0.0.0.0 is asked on 127.0.0.1).",
        };
        var timeout = new Option<double>("--timeout")
        {
            Description = "Seconds to wait for the answer (default: 5).",
            DefaultValueFactory = _ => 5,
        };
        var command = new Command("health", "Ask a running server whether it is ready (exit 0) or not (exit 1); for container health checks.");
        command.Options.Add(url);
        command.Options.Add(timeout);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var seconds = parse.GetValue(timeout);
            if (!(seconds > 0))
            {
                await Console.Error.WriteLineAsync("artifactstore: --timeout must be a positive number of seconds");
                return ExitCodes.Failed;
            }

            var given = parse.GetValue(url) ?? FirstConfiguredUrl();
            var target = ReadyUrl(given);
            if (target is null)
            {
                await Console.Error.WriteLineAsync($"artifactstore: '{given}' is not a URL a health check can ask (give --url http://HOST:PORT)");
                return ExitCodes.Failed;
            }

            return await AskAsync(target, TimeSpan.FromSeconds(seconds), cancellationToken);
        });
        return command;
    }

    private static async Task<int> AskAsync(Uri target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        string body;
        int status;
        try
        {
            using var response = await http.GetAsync(target, deadline.Token);
            status = (int)response.StatusCode;
            body = await response.Content.ReadAsStringAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"artifactstore: not ready: {target} did not answer within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
            return ExitCodes.Failed;
        }
        catch (HttpRequestException e)
        {
            var reason = e.InnerException is SocketException socket ? socket.Message : e.Message;
            await Console.Error.WriteLineAsync($"artifactstore: not ready: no answer from {target}: {reason}");
            return ExitCodes.Failed;
        }

        var (summary, failing) = Describe(body);
        if (status == 200)
        {
            Console.WriteLine($"artifactstore: ready{summary}");
            return ExitCodes.Ok;
        }

        await Console.Error.WriteLineAsync($"artifactstore: not ready ({status}){summary}");
        foreach (var line in failing)
        {
            await Console.Error.WriteLineAsync($"  {line}");
        }

        return ExitCodes.Failed;
    }

    /// <summary>The profile (", profile 'x'") and every check that is not "ok", read from the readiness body if it is JSON.</summary>
    private static (string Summary, List<string> Failing) Describe(string body)
    {
        var failing = new List<string>();
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var summary = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("profile", out var profile) && profile.ValueKind == JsonValueKind.String
                ? $": profile '{profile.GetString()}'"
                : "";
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("checks", out var checks) && checks.ValueKind == JsonValueKind.Object)
            {
                foreach (var check in checks.EnumerateObject())
                {
                    var value = check.Value.ValueKind == JsonValueKind.String ? check.Value.GetString() : check.Value.GetRawText();
                    if (value != "ok")
                    {
                        failing.Add($"{check.Name}: {value}");
                    }
                }
            }

            return (summary, failing);
        }
        catch (JsonException)
        {
            if (!string.IsNullOrWhiteSpace(body))
            {
                failing.Add(body.Length > 500 ? body[..500] : body);
            }

            return ("", failing);
        }
    }

    /// <summary>The configured listen URL (ARTIFACTSTORE_URLS, the config file's Urls, else the built-in default).</summary>
    private static string FirstConfiguredUrl()
    {
        var urls = StoreConfiguration.Load(new Dictionary<string, string?>(), null).Urls;
        return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? ConfigurationKeys.DefaultUrls;
    }

    /// <summary><c>URL/health/ready</c> (see <see cref="ConnectUrl"/>); null when no port is known.</summary>
    private static Uri? ReadyUrl(string url)
    {
        if (ConnectUrl.From(url) is not { } target)
        {
            return null;
        }

        var builder = new UriBuilder(target) { Query = "" };
        builder.Path = builder.Path.TrimEnd('/') + "/health/ready";
        return builder.Uri;
    }
}
