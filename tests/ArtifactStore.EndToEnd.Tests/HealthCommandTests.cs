using System.Net;
using System.Net.Sockets;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary><c>artifactstore health</c>, the container health check: exit 0 only when /health/ready answers 200.</summary>
public sealed class HealthCommandTests
{
    [Fact]
    public async Task a_ready_server_gives_exit_0()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"), profile: "prod");

        var (exitCode, stdout, stderr) = await Cli.RunAsync(["health", "--url", server.Url]);

        Assert.True(exitCode == 0, stderr);
        Assert.Contains("ready", stdout, StringComparison.Ordinal);
        Assert.Contains("prod", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task the_url_defaults_to_ARTIFACTSTORE_URLS_with_a_wildcard_host_asked_on_loopback()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        var port = new Uri(server.Url).Port;

        var (exitCode, _, stderr) = await Cli.RunAsync(["health"], new Dictionary<string, string> { ["ARTIFACTSTORE_URLS"] = $"http://0.0.0.0:{port}" });

        Assert.True(exitCode == 0, stderr);
    }

    [Fact]
    public async Task nothing_listening_gives_exit_1_and_says_so()
    {
        var port = FreePort();

        var (exitCode, _, stderr) = await Cli.RunAsync(["health", "--url", $"http://127.0.0.1:{port}", "--timeout", "3"]);

        Assert.Equal(1, exitCode);
        Assert.Contains($"no answer from http://127.0.0.1:{port}/health/ready", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_server_that_is_not_ready_gives_exit_1_with_the_failing_checks()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await using var server = await ServerProcess.StartAsync(root);
        File.Delete(Path.Combine(root, "lock"));

        var (exitCode, _, stderr) = await Cli.RunAsync(["health", "--url", server.Url]);

        Assert.Equal(1, exitCode);
        Assert.Contains("not ready (503)", stderr, StringComparison.Ordinal);
        Assert.Contains("lock:", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_url_without_a_port_to_ask_is_refused_with_exit_1()
    {
        var (exitCode, _, stderr) = await Cli.RunAsync(["health", "--url", "http://127.0.0.1:0"]);

        Assert.Equal(1, exitCode);
        Assert.Contains("give --url", stderr, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
