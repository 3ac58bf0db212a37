using System.Globalization;
using System.Net;

namespace ArtifactStore.Container.Tests;

/// <summary>
/// The repository's compose.yaml run by podman-compose, with an override that only puts the services on
/// the host network (bound to 127.0.0.1 on free ports) and uses the image the tests built. podman-compose
/// 1.0.3 cannot combine `network_mode: host` with its project network, so it calls podman through the
/// small wrapper <c>podman-host-network</c> beside this file.
/// </summary>
[Collection(ContainerCollection.Name)]
public sealed class ComposeTests
{
    [Fact]
    public async Task compose_brings_up_prod_and_eval_healthy_read_only_on_their_own_volumes_and_lanes()
    {
        var project = $"astest{Guid.NewGuid().ToString("N")[..8]}";
        var directory = Directory.CreateTempSubdirectory("astest-compose-");
        var ports = new Dictionary<string, int> { ["prod"] = FreePort.Next(), ["eval"] = FreePort.Next() };
        while (ports["eval"] == ports["prod"])
        {
            ports["eval"] = FreePort.Next();
        }

        var overrideFile = Path.Combine(directory.FullName, "compose.test.yaml");
        await File.WriteAllTextAsync(overrideFile, string.Join('\n',
            "services:",
            Service("prod", ports["prod"]),
            Service("eval", ports["eval"])));
        try
        {
            var up = await Command.RunAsync("podman-compose",
                ["--podman-path", Path.Combine(Podman.TestDirectory, "podman-host-network"), "-p", project, "-f", "compose.yaml", "-f", overrideFile, "up", "-d"],
                Podman.Environment,
                workingDirectory: Podman.RepositoryRoot);
            Assert.True(up.ExitCode == 0, up.Describe());

            foreach (var (service, port) in ports)
            {
                var container = $"{project}_{service}_1";
                await WaitHealthyAsync(container);
                Assert.Equal("healthy", await Podman.InspectAsync(container, "{{.State.Health.Status}}"));
                Assert.Equal("true", await Podman.InspectAsync(container, "{{.HostConfig.ReadonlyRootfs}}"));
                Assert.Equal("unless-stopped", await Podman.InspectAsync(container, "{{.HostConfig.RestartPolicy.Name}}"));
                Assert.Equal($"{project}_{service}-data", await Podman.InspectAsync(container, "{{range .Mounts}}{{if eq .Destination \"/data\"}}{{.Name}}{{end}}{{end}}"));
                Assert.Contains($"ARTIFACTSTORE_PROFILE={service}", await Podman.InspectAsync(container, "{{json .Config.Env}}"), StringComparison.Ordinal);

                using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/") };
                using var ready = await http.GetAsync("health/ready");
                Assert.Contains($"\"profile\":\"{service}\"", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            using var prod = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports["prod"].ToString(CultureInfo.InvariantCulture)}/") };
            using var eval = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports["eval"].ToString(CultureInfo.InvariantCulture)}/") };
            var id = await Packages.PutAsync(prod, "compose/prod", "a.bin", Packages.Content(7, 3000));
            Assert.Equal(HttpStatusCode.OK, await Packages.StatusOfAsync(prod, id));
            Assert.Equal(HttpStatusCode.NotFound, await Packages.StatusOfAsync(eval, id));
        }
        finally
        {
            var label = $"label=io.podman.compose.project={project}";
            foreach (var container in (await Podman.RunAsync("ps", "--all", "--quiet", "--filter", label)).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                await Podman.RunAsync("rm", "--force", "--volumes", "--time", "0", container);
            }

            foreach (var volume in (await Podman.RunAsync("volume", "ls", "--quiet", "--filter", label)).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                await Podman.RunAsync("volume", "rm", "--force", volume);
            }

            directory.Delete(recursive: true);
        }
    }

    private static string Service(string name, int port) => string.Join('\n',
        $"  {name}:",
        $"    image: {ImageFixture.Tag}",
        "    network_mode: host",
        "    environment:",
        $"      ARTIFACTSTORE_URLS: http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
        "");

    /// <summary>Runs the container's health check until it passes (the image allows a 30 s start period).</summary>
    private static async Task WaitHealthyAsync(string container)
    {
        for (var attempt = 0; attempt < 60; attempt++)
        {
            var check = await Podman.RunAsync("healthcheck", "run", container);
            if (check.ExitCode == 0)
            {
                return;
            }

            await Task.Delay(500);
        }

        throw new InvalidOperationException($"{container} never became healthy:\n{await Podman.LogsAsync(container)}");
    }
}
