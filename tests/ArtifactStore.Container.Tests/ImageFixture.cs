namespace ArtifactStore.Container.Tests;

/// <summary>
/// Builds the repository's Dockerfile once for all container tests. No registry is reachable here,
/// so the runtime stage uses the local stand-in for the official ASP.NET image (made by setup-podman)
/// and the application is published on the host and copied in (APP_SOURCE=prebuilt): the image's
/// own layers (user, /data, environment, health check, entrypoint) are the published Dockerfile's.
/// </summary>
public sealed class ImageFixture : IAsyncLifetime
{
    public const string Tag = "localhost/artifactstore:container-tests";

    public string RuntimeImage { get; private set; } = "";

    public string SdkImage { get; private set; } = "";

    public async Task InitializeAsync()
    {
        RuntimeImage = System.Environment.GetEnvironmentVariable("ARTIFACTSTORE_TEST_RUNTIME_IMAGE") ?? "";
        SdkImage = System.Environment.GetEnvironmentVariable("ARTIFACTSTORE_TEST_SDK_IMAGE") ?? "";
        if (string.IsNullOrEmpty(RuntimeImage) || string.IsNullOrEmpty(SdkImage))
        {
            // Outside ./test: install podman and build the base images if this machine lacks them.
            var setup = (await Command.RunAsync(Path.Combine(Podman.TestDirectory, "setup-podman"), [], timeout: TimeSpan.FromMinutes(10))).EnsureSuccess();
            var images = setup.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            (RuntimeImage, SdkImage) = (images[^2], images[^1]);
        }

        // Earlier runs' superseded images and build layers (only these tests use podman here).
        await Podman.RunAsync("image", "prune", "--force");

        var app = Path.Combine(Podman.RepositoryRoot, ".build", "container", "app");
        if (Directory.Exists(app))
        {
            Directory.Delete(app, recursive: true);
        }

        (await Command.RunAsync("dotnet",
            ["publish", "src/ArtifactStore.Cli/ArtifactStore.Cli.csproj", "-c", "Release", "-r", "linux-x64", "--self-contained", "false", "-o", app, "--nologo", "-v", "quiet"],
            workingDirectory: Podman.RepositoryRoot,
            timeout: TimeSpan.FromMinutes(10))).EnsureSuccess();

        (await Command.RunAsync("podman",
            ["build", "--format", "docker", "--network", "none",
             "--build-arg", $"RUNTIME_IMAGE={RuntimeImage}", "--build-arg", "APP_SOURCE=prebuilt", "--build-arg", "TARGETARCH=amd64",
             "-t", Tag, Podman.RepositoryRoot],
            Podman.Environment,
            timeout: TimeSpan.FromMinutes(10))).EnsureSuccess();
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
