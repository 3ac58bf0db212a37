namespace ArtifactStore.Container.Tests;

/// <summary>
/// The Dockerfile's default path: compile from source inside the SDK image. Here the SDK image is the
/// local stand-in and NuGet packages come from the host's package folder mounted read-only into the
/// build (no network); everything else is the published Dockerfile.
/// </summary>
[Collection(ContainerCollection.Name)]
public sealed class SourceBuildTests(ImageFixture image)
{
    [Fact]
    public async Task the_dockerfile_builds_from_source_in_the_sdk_image_and_the_image_serves()
    {
        const string tag = "localhost/artifactstore:container-tests-source";
        var revision = $"source-build-{Guid.NewGuid():N}";
        var packages = System.Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        try
        {
            var build = await Command.RunAsync("podman",
                ["build", "--format", "docker", "--network", "none", "--volume", $"{packages}:/nuget:ro",
                 "--build-arg", $"SDK_IMAGE={image.SdkImage}", "--build-arg", $"RUNTIME_IMAGE={image.RuntimeImage}",
                 "--build-arg", "APP_SOURCE=source", "--build-arg", $"SOURCE_REVISION={revision}",
                 "--build-arg", "PUBLISH_OPTIONS=-p:NuGetAudit=false --source /nuget",
                 "-t", tag, Podman.RepositoryRoot],
                Podman.Environment,
                timeout: TimeSpan.FromMinutes(10));
            Assert.True(build.ExitCode == 0, build.Describe());

            var version = await Podman.RunAsync("run", "--rm", "--network", "none", "--read-only", tag, "--version");
            Assert.True(version.ExitCode == 0, version.Describe());
            Assert.Contains(revision, version.Stdout, StringComparison.Ordinal);

            await using var volume = await StoreVolume.CreateAsync("source");
            await using var server = await StoreContainer.StartAsync(volume, "prod", tag);
            var id = await Packages.PutAsync(server.Http, "source/1", "a.bin", Packages.Content(9, 4096));
            Assert.Equal(Packages.Content(9, 4096), await Packages.GetFileAsync(server.Http, id, "a.bin"));
        }
        finally
        {
            await Podman.RunAsync("rmi", "--force", tag);
        }
    }
}
