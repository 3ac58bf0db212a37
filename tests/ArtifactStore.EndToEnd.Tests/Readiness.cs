using System.Net;
using System.Text.Json;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>Assertions on a server's readiness, as a load balancer and a client see it.</summary>
internal static class Readiness
{
    /// <summary>
    /// <c>/health/ready</c> answers 503 with <paramref name="check"/> failing (and only it), its problem
    /// containing <paramref name="problem"/> and a remedy; the API answers 503 <c>not_ready</c> naming
    /// the check; <c>/health/live</c> still answers 200.
    /// </summary>
    public static async Task AssertNotReadyAsync(ServerProcess server, string check, string problem)
    {
        var (status, body) = await Api.GetJsonAsync(server.Http, "health/ready");
        Assert.True(status == HttpStatusCode.ServiceUnavailable, body.ToString());
        Assert.Equal("not_ready", body.GetProperty("status").GetString());
        var failing = body.GetProperty("checks").EnumerateObject().Where(c => c.Value.GetString() != "ok").Select(c => c.Name).ToList();
        Assert.Equal([check], failing);
        Assert.Contains(problem, body.GetProperty("checks").GetProperty(check).GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("remedies").GetProperty(check).GetString()));

        var (apiStatus, api) = await Api.GetJsonAsync(server.Http, "v1/packages");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, apiStatus);
        Assert.Equal("not_ready", api.GetProperty("code").GetString());
        Assert.Contains(problem, api.GetProperty("failing_checks").GetProperty(check).GetString(), StringComparison.Ordinal);
        Assert.Contains(check, api.GetProperty("detail").GetString(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await Api.GetJsonAsync(server.Http, "health/live")).Status);
    }

    /// <summary><c>/health/ready</c> answers 200 with every check ok, and the API answers again.</summary>
    public static async Task<JsonElement> AssertReadyAsync(ServerProcess server)
    {
        var (status, body) = await Api.GetJsonAsync(server.Http, "health/ready");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.All(body.GetProperty("checks").EnumerateObject(), c => Assert.Equal("ok", c.Value.GetString()));
        Assert.Equal(HttpStatusCode.OK, (await Api.GetJsonAsync(server.Http, "v1/packages")).Status);
        return body;
    }

    /// <summary>Waits until <paramref name="check"/> passes (for example recovery, right after start).</summary>
    public static async Task WaitForCheckAsync(ServerProcess server, string check)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            var (_, body) = await Api.GetJsonAsync(server.Http, "health/ready");
            if (body.GetProperty("checks").GetProperty(check).GetString() == "ok")
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException($"the check {check} never passed:\n{server.Output}");
    }
}
