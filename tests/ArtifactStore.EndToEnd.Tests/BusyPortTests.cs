using System.Net;
using System.Net.Sockets;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary><c>serve</c> on an address another process holds: one line that says so, no stack trace.</summary>
public sealed class BusyPortTests
{
    [Fact]
    public async Task a_busy_port_gives_one_line_and_exit_1()
    {
        using var temp = new TempDirectory();
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;

        var (exitCode, stdout, stderr) = await Cli.RunAsync(["serve", "--data-root", temp.Combine("root"), "--urls", $"http://127.0.0.1:{port}"]);

        Assert.Equal(1, exitCode);
        var errors = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(errors);
        Assert.Contains($"cannot listen on http://127.0.0.1:{port}", line, StringComparison.Ordinal);
        Assert.Contains("address already in use", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stdout + stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
    }
}
