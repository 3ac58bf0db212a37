using System.Text.Json;
using ArtifactStore.Core.Time;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary><c>artifactstore retention extend|hold|release|pin|unpin</c> against a real server, checked through the API.</summary>
public sealed class RetentionCommandTests
{
    [Fact]
    public async Task hold_release_pin_unpin_and_extend_change_the_package_and_are_recorded_with_their_reasons()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        var file = temp.Combine("a.txt");
        await File.WriteAllTextAsync(file, "kept");
        var id = await PackageCommandTests.PutAsync(server, file, "kept", "env=ci");
        string[] at = ["--server", server.Url];

        var (holdExit, hold, holdErrors) = await Cli.RunAsync(["retention", "hold", id, "--reason", "legal asked", .. at]);
        Assert.True(holdExit == 0, holdErrors);
        string holdId;
        using (var held = JsonDocument.Parse(hold))
        {
            holdId = held.RootElement.GetProperty("hold_id").GetString()!;
        }

        Assert.True(await ActiveHoldAsync(server, id));
        var (releaseExit, _, releaseErrors) = await Cli.RunAsync(["retention", "release", id, holdId, "--reason", "case closed", .. at]);
        Assert.True(releaseExit == 0, releaseErrors);
        Assert.False(await ActiveHoldAsync(server, id));

        Assert.Equal(0, (await Cli.RunAsync(["retention", "pin", id, "--reason", "golden build", .. at])).ExitCode);
        Assert.True((await RetentionAsync(server, id)).GetProperty("pinned").GetBoolean());
        Assert.Equal(0, (await Cli.RunAsync(["retention", "unpin", id, "--reason", "superseded", .. at])).ExitCode);
        Assert.False((await RetentionAsync(server, id)).GetProperty("pinned").GetBoolean());

        var expires = Rfc3339.Parse((await RetentionAsync(server, id)).GetProperty("expires_at").GetString()!);
        var later = Rfc3339.ToText(expires.AddDays(30));
        var (extendExit, _, extendErrors) = await Cli.RunAsync(["retention", "extend", id, "--until", later, "--reason", "audit window", .. at]);
        Assert.True(extendExit == 0, extendErrors);
        Assert.Equal(expires.AddDays(30), Rfc3339.Parse((await RetentionAsync(server, id)).GetProperty("expires_at").GetString()!));

        // A refusal is one line with the problem's code; the history holds every reason given.
        var (earlierExit, _, earlierErrors) = await Cli.RunAsync(["retention", "extend", id, "--until", Rfc3339.ToText(expires), "--reason", "oops", .. at]);
        Assert.Equal(1, earlierExit);
        Assert.Contains("extension_not_later", Assert.Single(earlierErrors.TrimEnd('\n').Split('\n')), StringComparison.Ordinal);
        var (_, history) = await Api.GetJsonAsync(server.Http, $"v1/packages/{id}/retention/history");
        foreach (var reason in new[] { "legal asked", "case closed", "golden build", "superseded", "audit window" })
        {
            Assert.Contains(reason, history.ToString(), StringComparison.Ordinal);
        }
    }

    private static async Task<JsonElement> RetentionAsync(ServerProcess server, string id) =>
        (await Api.GetJsonAsync(server.Http, $"v1/packages/{id}/retention")).Body;

    private static async Task<bool> ActiveHoldAsync(ServerProcess server, string id) =>
        (await RetentionAsync(server, id)).GetProperty("holds").EnumerateArray().Any(h => h.GetProperty("active").GetBoolean());
}
