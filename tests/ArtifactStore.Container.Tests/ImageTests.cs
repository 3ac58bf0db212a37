using System.Net;

namespace ArtifactStore.Container.Tests;

/// <summary>The image run with podman: durability across kill -9, lane isolation, hardening, lifecycle.</summary>
[Collection(ContainerCollection.Name)]
public sealed class ImageTests
{
    [Fact]
    public async Task a_killed_prod_container_restarted_on_its_volume_has_every_package_byte_identical()
    {
        await using var volume = await StoreVolume.CreateAsync("prod");
        await using var prod = await StoreContainer.StartAsync(volume, "prod");
        var written = new List<(string Id, string Path, byte[] Bytes)>();
        for (var i = 0; i < 6; i++)
        {
            var bytes = Packages.Content(i, 1000 + (i * 150_000));
            var path = $"dir/file{i}.bin";
            written.Add((await Packages.PutAsync(prod.Http, $"kill/{i}", path, bytes), path, bytes));
        }

        await prod.KillAsync();
        Assert.Equal("137", await Podman.InspectAsync(prod.Name, "{{.State.ExitCode}}"));
        await prod.RestartAsync();

        using var ready = await prod.Http.GetAsync("health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        foreach (var (id, path, bytes) in written)
        {
            Assert.Equal(bytes, await Packages.GetFileAsync(prod.Http, id, path));
        }
    }

    [Fact]
    public async Task prod_and_eval_on_their_own_volumes_cannot_see_each_others_packages()
    {
        await using var prodVolume = await StoreVolume.CreateAsync("prod");
        await using var evalVolume = await StoreVolume.CreateAsync("eval");
        await using var prod = await StoreContainer.StartAsync(prodVolume, "prod");
        await using var eval = await StoreContainer.StartAsync(evalVolume, "eval");

        var inProd = await Packages.PutAsync(prod.Http, "lanes/prod", "a.bin", Packages.Content(1, 5000));
        var inEval = await Packages.PutAsync(eval.Http, "lanes/eval", "b.bin", Packages.Content(2, 5000));

        Assert.Equal(HttpStatusCode.OK, await Packages.StatusOfAsync(prod.Http, inProd));
        Assert.Equal(HttpStatusCode.OK, await Packages.StatusOfAsync(eval.Http, inEval));
        Assert.Equal(HttpStatusCode.NotFound, await Packages.StatusOfAsync(eval.Http, inProd));
        Assert.Equal(HttpStatusCode.NotFound, await Packages.StatusOfAsync(prod.Http, inEval));
    }

    [Fact]
    public async Task eval_started_on_prods_volume_refuses_to_open_it()
    {
        await using var volume = await StoreVolume.CreateAsync("prod");
        await using (await StoreContainer.StartAsync(volume, "prod"))
        {
        }

        var eval = await Podman.RunAsync("run", "--rm", "--network", "none", "--read-only",
            "--volume", $"{volume.Name}:/data", "--env", "ARTIFACTSTORE_PROFILE=eval", ImageFixture.Tag);

        Assert.Equal(3, eval.ExitCode);
        Assert.Contains("belongs to profile 'prod', not 'eval'", eval.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task the_server_runs_as_a_non_root_user_and_can_write_only_under_data()
    {
        await using var volume = await StoreVolume.CreateAsync("prod");
        await using var prod = await StoreContainer.StartAsync(volume, "prod");

        var uid = (await prod.ExecAsync("id", "-u")).EnsureSuccess().Stdout.Trim();
        Assert.NotEqual("0", uid);
        Assert.Equal("true", await Podman.InspectAsync(prod.Name, "{{.HostConfig.ReadonlyRootfs}}"));
        foreach (var outside in new[] { "/opt/artifactstore/probe", "/tmp/probe", "/probe", "/etc/probe" })
        {
            var write = await prod.ExecAsync("sh", "-c", $"echo x > {outside}");
            Assert.True(write.ExitCode != 0, $"writing {outside} should fail: {write.Describe()}");
            Assert.Contains("Read-only file system", write.Stderr, StringComparison.Ordinal);
        }

        (await prod.ExecAsync("sh", "-c", "echo x > /data/probe && rm /data/probe")).EnsureSuccess();
    }

    [Fact]
    public async Task sigterm_from_podman_stop_ends_the_server_cleanly_with_exit_code_0()
    {
        await using var volume = await StoreVolume.CreateAsync("prod");
        await using var prod = await StoreContainer.StartAsync(volume, "prod");
        await Packages.PutAsync(prod.Http, "stop/1", "a.bin", Packages.Content(3, 2000));

        // podman sends SIGKILL after the grace period, which would show as exit code 137.
        var exitCode = await prod.StopAsync(graceSeconds: 30);

        Assert.True(exitCode == 0, $"exit code {exitCode}:\n{await Podman.LogsAsync(prod.Name)}");
    }

    [Fact]
    public async Task the_healthcheck_reports_healthy_when_ready_and_unhealthy_when_not()
    {
        await using var volume = await StoreVolume.CreateAsync("prod");
        await using var prod = await StoreContainer.StartAsync(volume, "prod");

        var healthy = await Podman.RunAsync("healthcheck", "run", prod.Name);
        Assert.True(healthy.ExitCode == 0, healthy.Describe());
        Assert.Equal("healthy", await Podman.InspectAsync(prod.Name, "{{.State.Health.Status}}"));

        // Removing the root's lock file makes /health/ready answer 503 (check "lock").
        (await prod.ExecAsync("rm", "/data/lock")).EnsureSuccess();
        var unhealthy = await Podman.RunAsync("healthcheck", "run", prod.Name);
        Assert.NotEqual(0, unhealthy.ExitCode);
        Assert.Contains("unhealthy", unhealthy.Stdout + unhealthy.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task by_default_the_server_refuses_all_interfaces_until_a_token_exists_then_serves_healthy_and_answers_operator_commands()
    {
        // --network none: the default listen address (0.0.0.0:8080) exists only inside the container.
        await using var volume = await StoreVolume.CreateAsync("prod");
        string[] run = ["run", "--network", "none", "--read-only", "--volume", $"{volume.Name}:/data", "--env", "ARTIFACTSTORE_PROFILE=prod"];

        var refused = await Podman.RunAsync([.. run, "--rm", ImageFixture.Tag]);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("refusing to listen on http://0.0.0.0:8080 without API tokens", refused.Stderr, StringComparison.Ordinal);

        var token = await Podman.RunAsync([.. run, "--rm", ImageFixture.Tag, "token", "create", "--name", "admin", "--role", "admin"]);
        Assert.True(token.ExitCode == 0, token.Describe());

        var name = $"{volume.Name}-default";
        try
        {
            (await Podman.RunAsync([.. run, "--detach", "--name", name, ImageFixture.Tag])).EnsureSuccess();
            CommandResult health;
            var attempts = 0;
            do
            {
                // The HEALTHCHECK's start period: the first checks may come before Kestrel listens.
                await Task.Delay(500);
                health = await Podman.RunAsync("healthcheck", "run", name);
            }
            while (health.ExitCode != 0 && ++attempts < 60 && await Podman.InspectAsync(name, "{{.State.Running}}") == "true");

            Assert.True(health.ExitCode == 0, $"{health.Describe()}\n{await Podman.LogsAsync(name)}");
            Assert.Contains("listening on http://0.0.0.0:8080", await Podman.LogsAsync(name), StringComparison.Ordinal);

            // Operator commands inside the container find the server through the root's lock file.
            var secret = token.Stdout.Trim().Split('\n')[^1].Trim();
            var listed = await Podman.RunAsync("exec", name, "artifactstore", "token", "list", "--token", secret);
            Assert.True(listed.ExitCode == 0, listed.Describe());
            Assert.Contains("\"admin\"", listed.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            await Podman.RunAsync("rm", "--force", "--volumes", "--time", "0", name);
        }
    }

    [Fact]
    public async Task the_image_declares_its_volume_port_user_stop_signal_and_health_check()
    {
        var config = await Podman.RunAsync("image", "inspect", "--format",
            "{{json .Config.Volumes}} {{json .Config.ExposedPorts}} {{.Config.User}} {{.Config.StopSignal}} {{json .Config.Entrypoint}} {{json .Config.Cmd}}", ImageFixture.Tag);
        Assert.Equal("""{"/data":{}} {"8080/tcp":{}} 1654:1654 SIGTERM ["artifactstore"] ["serve"]""", config.EnsureSuccess().Stdout.Trim());
        var healthcheck = (await Podman.RunAsync("image", "inspect", "--format", "{{json .HealthCheck.Test}}", ImageFixture.Tag)).EnsureSuccess();
        Assert.Equal("""["CMD","artifactstore","health","--timeout","5"]""", healthcheck.Stdout.Trim());
    }
}
