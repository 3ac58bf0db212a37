using System.Net;
using System.Net.Sockets;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// Who may call without a token (docs/security.md, "Anonymous access"), on real server processes: the
/// decision follows the addresses the server actually bound, and it holds at every request, not only at start.
/// Non-loopback callers are made by connecting through a non-loopback address of this machine.
/// </summary>
public sealed class ExposureTests
{
    [Theory]
    [InlineData("loopback")]
    [InlineData("LOOPBACK")]
    public async Task a_host_name_that_binds_every_interface_is_refused_without_tokens(string host)
    {
        using var temp = new TempDirectory();
        var (exit, stdout, stderr) = await Cli.RunAsync(["serve", "--data-root", temp.Combine("root"), "--urls", $"http://{host}:0"]);

        Assert.True(exit == 2, stdout + stderr);
        // The refusal names what was bound (the IPv6 wildcard), not the host name that was asked for.
        Assert.Contains("refusing to listen on http://[::]:", stderr, StringComparison.Ordinal);
        Assert.Contains("without API tokens", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("loopback only", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_host_name_with_allow_anonymous_says_every_caller_has_full_access_and_is_reachable_beyond_loopback()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"), urls: "http://loopback:0", extra: "--allow-anonymous");

        Assert.Contains(IPAddress.IPv6Any, LocalAddresses.ListeningOn(server.Port));
        Assert.Contains("every caller has full access", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("loopback only", server.Output, StringComparison.Ordinal);
        using var remote = server.ClientFor(LocalAddresses.NonLoopback());
        Assert.Equal(HttpStatusCode.OK, (await Api.GetJsonAsync(remote, "v1/packages")).Status);
    }

    [Fact]
    public async Task a_loopback_address_is_open_to_anonymous_callers_and_says_it_serves_on_loopback_only()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));

        Assert.Equal([IPAddress.Loopback], LocalAddresses.ListeningOn(server.Port));
        Assert.Contains("serving anonymously on loopback only", server.Output, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await Api.GetJsonAsync(server.Http, "v1/packages")).Status);
        using var remote = server.ClientFor(LocalAddresses.NonLoopback());
        await Assert.ThrowsAsync<HttpRequestException>(() => remote.GetAsync("v1/packages"));
    }

    [Fact]
    public async Task localhost_binds_loopback_only_and_counts_as_loopback()
    {
        using var temp = new TempDirectory();
        var port = FreePort();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"), urls: $"http://localhost:{port}");

        Assert.All(LocalAddresses.ListeningOn(port), address => Assert.True(IPAddress.IsLoopback(address), address.ToString()));
        Assert.Contains("serving anonymously on loopback only", server.Output, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await Api.GetJsonAsync(server.Http, "v1/packages")).Status);
    }

    [Fact]
    public async Task revoking_the_last_token_never_reopens_a_server_that_listens_beyond_loopback()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var admin = (await TokenCli.CreateAsync(root, "only-admin", "admin", null))!;
        await using var server = await ServerProcess.StartAsync(root, urls: "http://0.0.0.0:0");
        using var remote = server.ClientFor(LocalAddresses.NonLoopback());
        Assert.DoesNotContain("anonymously", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("full access", server.Output, StringComparison.Ordinal);

        var (revoked, _) = await Api.SendAsync(remote, HttpMethod.Post, "v1/admin/tokens/only-admin/revoke", admin);
        Assert.Equal(HttpStatusCode.OK, revoked);
        var (list, _, _) = await Cli.RunAsync(["token", "list", "--data-root", root, "--token", admin]);
        Assert.NotEqual(0, list);

        // No active token is left, but the listener reaches beyond loopback: still closed, for remote and local callers.
        foreach (var http in new[] { remote, server.Http })
        {
            var (created, problem) = await Api.SendAsync(http, HttpMethod.Post, "v1/admin/tokens", json: new { name = "intruder", role = "admin" });
            Assert.Equal(HttpStatusCode.Unauthorized, created);
            Assert.Equal("unauthorized", problem.GetProperty("code").GetString());
            Assert.Equal(HttpStatusCode.Unauthorized, (await Api.SendAsync(http, HttpMethod.Get, "v1/packages")).Status);
            Assert.Equal(HttpStatusCode.Unauthorized, (await Api.SendAsync(http, HttpMethod.Post, "v1/packages", content: Api.Form("p", Api.Files(("a", [1]))))).Status);
        }
    }

    [Fact]
    public async Task revoking_the_last_token_on_a_loopback_only_server_opens_it_to_local_callers_again()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var admin = (await TokenCli.CreateAsync(root, "only-admin", "admin", null))!;
        await using var server = await ServerProcess.StartAsync(root);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Api.SendAsync(server.Http, HttpMethod.Get, "v1/packages")).Status);

        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(server.Http, HttpMethod.Post, "v1/admin/tokens/only-admin/revoke", admin)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(server.Http, HttpMethod.Get, "v1/packages")).Status);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
