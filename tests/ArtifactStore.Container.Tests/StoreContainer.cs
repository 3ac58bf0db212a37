using System.Globalization;
using System.Net;

namespace ArtifactStore.Container.Tests;

/// <summary>
/// The image running as a server: host network, listening on 127.0.0.1 on a free port (test traffic
/// stays on loopback), read-only root filesystem with no tmpfs at all (as `docker run --read-only`),
/// the data root on a named volume. Removed when disposed; the volume is not.
/// </summary>
internal sealed class StoreContainer : IAsyncDisposable
{
    private StoreContainer(string name, int port)
    {
        Name = name;
        Port = port;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromMinutes(2) };
    }

    public string Name { get; }

    public int Port { get; }

    public HttpClient Http { get; }

    /// <summary>Starts the container and waits until /health/ready answers 200.</summary>
    public static async Task<StoreContainer> StartAsync(StoreVolume volume, string profile, string image = ImageFixture.Tag)
    {
        var container = new StoreContainer($"{volume.Name}-{Guid.NewGuid().ToString("N")[..6]}", FreePort.Next());
        (await Podman.RunAsync(
            "run", "--detach", "--name", container.Name,
            "--network", "host", "--read-only", "--read-only-tmpfs=false",
            "--volume", $"{volume.Name}:/data",
            "--env", $"ARTIFACTSTORE_PROFILE={profile}",
            "--env", $"ARTIFACTSTORE_URLS=http://127.0.0.1:{container.Port.ToString(CultureInfo.InvariantCulture)}",
            image)).EnsureSuccess();
        await container.WaitReadyAsync();
        return container;
    }

    /// <summary>SIGKILL to the server (PID 1 of the container): no chance to flush or clean up.</summary>
    public async Task KillAsync()
    {
        (await Podman.RunAsync("kill", "--signal", "KILL", Name)).EnsureSuccess();
        (await Podman.RunAsync("wait", Name)).EnsureSuccess();
    }

    /// <summary>Starts the stopped container again (same volume, same port) and waits until ready.</summary>
    public async Task RestartAsync()
    {
        (await Podman.RunAsync("start", Name)).EnsureSuccess();
        await WaitReadyAsync();
    }

    /// <summary>`podman stop`: the image's STOPSIGNAL, then SIGKILL after <paramref name="graceSeconds"/>. Returns the exit code.</summary>
    public async Task<int> StopAsync(int graceSeconds)
    {
        (await Podman.RunAsync("stop", "--time", graceSeconds.ToString(CultureInfo.InvariantCulture), Name)).EnsureSuccess();
        return int.Parse(await Podman.InspectAsync(Name, "{{.State.ExitCode}}"), CultureInfo.InvariantCulture);
    }

    public Task<CommandResult> ExecAsync(params string[] command) => Podman.RunAsync(["exec", Name, .. command]);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Podman.RunAsync("rm", "--force", "--volumes", "--time", "0", Name);
    }

    /// <summary>Polls /health/ready until 200; fails (with the logs) if the container exits or a minute passes.</summary>
    private async Task WaitReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await Http.GetAsync("health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (await Podman.InspectAsync(Name, "{{.State.Running}}") != "true")
            {
                break;
            }

            await Task.Delay(200);
        }

        throw new InvalidOperationException($"container {Name} did not become ready:\n{await Podman.LogsAsync(Name)}");
    }
}
