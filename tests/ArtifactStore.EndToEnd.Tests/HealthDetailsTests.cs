using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// The readiness answer tells everyone whether the store is ready and which checks pass; the data root's
/// path, the process and disk figures, the problems and remedies go only to callers with a token or
/// connecting from loopback (docs/security.md). A non-loopback caller is made by connecting through a
/// non-loopback address of this machine to a server that listens on every interface.
/// </summary>
public sealed class HealthDetailsTests
{
    [Fact]
    public async Task an_anonymous_caller_from_beyond_loopback_sees_status_and_check_names_only()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var reader = (await TokenCli.CreateAsync(root, "monitor", "reader", null))!;
        await using var server = await ServerProcess.StartAsync(root, urls: "http://0.0.0.0:0");
        using var remote = server.ClientFor(LocalAddresses.NonLoopback());
        var pid = server.Pid.ToString(CultureInfo.InvariantCulture);

        var (status, anonymous) = await Api.GetJsonAsync(remote, "health/ready");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ready", anonymous.GetProperty("status").GetString());
        Assert.Equal(["marker", "layout", "lock", "database", "blob_store", "free_space", "recovery", "revision", "job_commands"],
            anonymous.GetProperty("checks").EnumerateObject().Select(c => c.Name).ToList());
        Assert.All(anonymous.GetProperty("checks").EnumerateObject(), c => Assert.Equal("ok", c.Value.GetString()));
        foreach (var hidden in new[] { "details", "remedies", "profile", "store_id", "revision" })
        {
            Assert.False(anonymous.TryGetProperty(hidden, out _), $"'{hidden}' shown to an anonymous remote caller: {anonymous}");
        }

        Assert.DoesNotContain(root, anonymous.ToString(), StringComparison.Ordinal);

        // The same caller with a token, and an anonymous caller on loopback, see everything.
        using var withToken = new HttpRequestMessage(HttpMethod.Get, "health/ready") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", reader) } };
        using var authenticated = await remote.SendAsync(withToken);
        var (_, local) = await Api.GetJsonAsync(server.Http, "health/ready");
        foreach (var full in new[] { await authenticated.Content.ReadAsStringAsync(), local.ToString() })
        {
            Assert.Contains(root, full, StringComparison.Ordinal);
            Assert.Contains($"held by process {pid}", full, StringComparison.Ordinal);
            Assert.Contains("\"profile\":\"dev\"", full, StringComparison.Ordinal);
        }

        // An unknown token is no token.
        using var forged = new HttpRequestMessage(HttpMethod.Get, "health/ready") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "ast_forged") } };
        using var forgedAnswer = await remote.SendAsync(forged);
        Assert.DoesNotContain(root, await forgedAnswer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_not_ready_store_names_its_failing_checks_but_not_their_problems_to_a_remote_anonymous_caller()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await TokenCli.CreateAsync(root, "admin", "admin", null);
        var expected = new string('0', 40);
        var wrong = new Dictionary<string, string> { ["ARTIFACTSTORE_EXPECTED_REVISION"] = expected };
        await using var server = await ServerProcess.StartListeningAsync(root, environment: wrong, urls: "http://0.0.0.0:0");
        await Readiness.WaitForCheckAsync(server, "recovery");
        using var remote = server.ClientFor(LocalAddresses.NonLoopback());

        var (status, health) = await Api.GetJsonAsync(remote, "health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("failing", health.GetProperty("checks").GetProperty("revision").GetString());
        Assert.DoesNotContain(expected, health.ToString(), StringComparison.Ordinal);

        var (apiStatus, problem) = await Api.GetJsonAsync(remote, "v1/packages");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, apiStatus);
        Assert.Equal("not_ready", problem.GetProperty("code").GetString());
        Assert.Equal("failing", problem.GetProperty("failing_checks").GetProperty("revision").GetString());
        Assert.DoesNotContain(expected, problem.ToString(), StringComparison.Ordinal);

        // From loopback the same answers carry the problem.
        await Readiness.AssertNotReadyAsync(server, "revision", $"ARTIFACTSTORE_EXPECTED_REVISION expects {expected}");
    }
}
