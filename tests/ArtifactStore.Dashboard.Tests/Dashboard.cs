using System.Text.Json;
using ArtifactStore.Core.Time;
using ArtifactStore.EndToEnd.Tests;
using Microsoft.Playwright;

namespace ArtifactStore.Dashboard.Tests;

/// <summary>What the dashboard tests share: a config file, signing in, and waiting for a package to expire.</summary>
internal static class Dashboard
{
    /// <summary>Writes <paramref name="settings"/> as a JSON configuration file and returns its path.</summary>
    public static string WriteConfig(TempDirectory temp, object settings)
    {
        var path = temp.Combine("artifactstore.json");
        File.WriteAllText(path, JsonSerializer.Serialize(settings));
        return path;
    }

    /// <summary>Signs in through the sign-in page by pasting <paramref name="token"/>.</summary>
    public static async Task SignInAsync(IPage page, string token)
    {
        await page.GotoAsync("/sign-in");
        await page.GetByLabel("API token").FillAsync(token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("form.sign-out")).ToBeVisibleAsync();
    }

    /// <summary>The antiforgery token of the page's first form that carries one (the sign-out form for any signed-in page).</summary>
    public static Task<string?> AntiforgeryTokenAsync(IPage page) =>
        page.Locator("input[name='__RequestVerificationToken']").First.GetAttributeAsync("value");

    /// <summary>Waits (polling the API) until the package's expiry has passed by the server's clock.</summary>
    public static async Task WaitUntilExpiredAsync(ServerProcess server, string id, string token)
    {
        var (_, retention) = await Api.SendAsync(server.Http, HttpMethod.Get, $"v1/packages/{id}/retention", token);
        var expiresAt = Rfc3339.Parse(retention.GetProperty("expires_at").GetString()!);
        while (DateTimeOffset.UtcNow <= expiresAt.AddSeconds(1))
        {
            await Task.Delay(100);
        }
    }
}
