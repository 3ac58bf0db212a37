namespace ArtifactStore.Container.Tests;

/// <summary>A named podman volume for one test, removed (with everything on it) when the test ends.</summary>
internal sealed class StoreVolume : IAsyncDisposable
{
    private StoreVolume(string name) => Name = name;

    public string Name { get; }

    public static async Task<StoreVolume> CreateAsync(string purpose)
    {
        var volume = new StoreVolume($"astest-{Guid.NewGuid().ToString("N")[..10]}-{purpose}");
        (await Podman.RunAsync("volume", "create", volume.Name)).EnsureSuccess();
        return volume;
    }

    public async ValueTask DisposeAsync() => await Podman.RunAsync("volume", "rm", "--force", Name);
}
