using System.Net;
using ArtifactStore.Core.Configuration;
using ArtifactStore.Server.Hosting;
using Microsoft.AspNetCore.Builder;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// Startup recovery gates readiness. Steps are registered in code (the jobs worker registers its
/// own), so these tests host the real server in-process, on a real port, as <c>serve</c> does:
/// listen first, then recover.
/// </summary>
public sealed class StartupRecoveryTests
{
    [Fact]
    public async Task the_server_answers_live_but_not_ready_while_recovery_runs_and_lets_traffic_in_when_it_has_finished()
    {
        using var temp = new TempDirectory();
        await using var store = await OpenAsync(temp);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.Recovery.Register("requeue orphaned work", ct => release.Task.WaitAsync(ct));
        await using var app = ServerApp.Build(store, "http://127.0.0.1:0", backgroundWork: false);
        await app.StartAsync();
        using var http = Client(app);

        var recovering = ServerApp.RecoverAsync(app, CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, (await Api.GetJsonAsync(http, "health/live")).Status);
        var (status, body) = await Api.GetJsonAsync(http, "health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("startup recovery is still running (requeue orphaned work)", body.GetProperty("checks").GetProperty("recovery").GetString());
        var (apiStatus, api) = await Api.GetJsonAsync(http, "v1/packages");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, apiStatus);
        Assert.Equal("not_ready", api.GetProperty("code").GetString());

        release.SetResult();
        await recovering;
        Assert.True(store.Recovery.IsComplete);
        // No /health/ready in between: finishing recovery re-evaluates readiness by itself.
        Assert.Equal(HttpStatusCode.OK, (await Api.GetJsonAsync(http, "v1/packages")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Api.GetJsonAsync(http, "health/ready")).Status);
        await app.StopAsync();
    }

    [Fact]
    public async Task a_failing_step_stops_recovery_there_and_keeps_the_server_not_ready_with_the_reason()
    {
        using var temp = new TempDirectory();
        await using var store = await OpenAsync(temp);
        var ran = new List<string>();
        store.Recovery.Register("first", _ => { ran.Add("first"); return Task.CompletedTask; });
        store.Recovery.Register("second", _ => throw new InvalidOperationException("the queue table is damaged"));
        store.Recovery.Register("third", _ => { ran.Add("third"); return Task.CompletedTask; });
        await using var app = ServerApp.Build(store, "http://127.0.0.1:0", backgroundWork: false);
        await app.StartAsync();
        using var http = Client(app);

        await ServerApp.RecoverAsync(app, CancellationToken.None);
        await ServerApp.RecoverAsync(app, CancellationToken.None);
        Assert.Equal(["first"], ran);
        Assert.False(store.Recovery.IsComplete);
        Assert.Equal("step 'second' failed: the queue table is damaged", store.Recovery.Failure);
        Assert.Throws<InvalidOperationException>(() => store.Recovery.Register("late", _ => Task.CompletedTask));

        var (status, body) = await Api.GetJsonAsync(http, "health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("step 'second' failed: the queue table is damaged", body.GetProperty("checks").GetProperty("recovery").GetString(), StringComparison.Ordinal);
        Assert.Contains("restart", body.GetProperty("remedies").GetProperty("recovery").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Api.GetJsonAsync(http, "v1/packages")).Status);
        await app.StopAsync();
    }

    private static async Task<StoreRuntime> OpenAsync(TempDirectory temp)
    {
        var opened = await StoreRuntime.OpenAsync(new StoreOptions { DataRoot = temp.Combine("root") });
        return opened.Value;
    }

    private static HttpClient Client(WebApplication app) => new() { BaseAddress = new Uri(ServerApp.Addresses(app)[0] + "/") };
}
