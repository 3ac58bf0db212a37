using ArtifactStore.EndToEnd.Tests;
using Microsoft.Playwright;

namespace ArtifactStore.Dashboard.Tests;

/// <summary>
/// The dashboard of an open store (no token yet, loopback only: the API's rule, so no sign-in): a job's log followed
/// live in the page, and every page rendered without console errors, each saved as a screenshot.
/// </summary>
public sealed class PageTests
{
    [Fact]
    public async Task a_running_jobs_log_follows_live_in_the_page()
    {
        using var temp = new TempDirectory();
        var gate = temp.Combine("gate");

        // Writes a line, then waits for the test to open the gate before it writes the second and ends.
        var script = "echo first-line; while [ ! -e \"$1\" ]; do sleep 0.05; done; echo second-line";
        var config = Dashboard.WriteConfig(temp, Jobs(("gated", new[] { "sh", "-c", script, "sh", gate })));
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"), config);
        var id = await JobApi.SubmitOkAsync(server.Http, "gated", "input"u8.ToArray());

        await using var browser = await DashboardBrowser.LaunchAsync(server.Url);
        var page = await browser.NewPageAsync();
        await page.GotoAsync($"/jobs/{id}");
        var log = page.Locator("#job-log");
        await Assertions.Expect(log).ToContainTextAsync("first-line");
        await Assertions.Expect(page.Locator("#job-state")).ToHaveTextAsync("running");
        Assert.DoesNotContain("second-line", await log.TextContentAsync() ?? string.Empty, StringComparison.Ordinal);
        Assert.Equal("running", JobApi.State(await JobApi.GetAsync(server.Http, id)));
        await DashboardBrowser.ScreenshotAsync(page, "job-running");

        // The page was not reloaded by the test: what follows arrives by itself.
        await File.WriteAllTextAsync(gate, "open");
        await Assertions.Expect(log).ToContainTextAsync("second-line");
        await Assertions.Expect(page.Locator("#job-state")).ToHaveTextAsync("succeeded");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "output package" })).ToBeVisibleAsync();
        await Assertions.Expect(log).ToContainTextAsync("first-line");
        await DashboardBrowser.ScreenshotAsync(page, "job-succeeded");
        Assert.Empty(browser.Errors);
    }

    [Fact]
    public async Task every_page_renders_without_console_errors_and_is_saved_as_a_screenshot()
    {
        using var temp = new TempDirectory();
        var config = Dashboard.WriteConfig(temp, Jobs(("echo", new[] { "sh", "-c", "echo converted; cp \"$ARTIFACTSTORE_INPUT\" \"$ARTIFACTSTORE_OUTPUT_DIR/copy.txt\"" })));
        var root = temp.Combine("root");
        await using var server = await ServerProcess.StartAsync(root, config);
        var (status, package) = await Api.PostPackageAsync(server.Http,
            Api.Form("pages/sample", Api.Files(("docs/readme.txt", "hello\n"u8.ToArray()), ("data/values.csv", "a,b\n1,2\n"u8.ToArray())), "label", "team=pages"));
        Assert.Equal(System.Net.HttpStatusCode.Created, status);
        var packageId = package.GetProperty("id").GetString()!;
        var jobId = await JobApi.SubmitOkAsync(server.Http, "echo", "job input\n"u8.ToArray());
        await JobApi.WaitAsync(server.Http, jobId, null, "succeeded");

        await using var browser = await DashboardBrowser.LaunchAsync(server.Url);
        var page = await browser.NewPageAsync();
        (string Path, string Name, string Heading)[] pages =
        [
            ("/", "overview", "Overview"),
            ("/packages", "packages-list", "Packages"),
            ("/packages?label=team%3Dpages&state=live", "packages-search", "Packages"),
            ($"/packages/{packageId}", "package", "pages/sample"),
            ("/jobs", "jobs", "Jobs"),
            ($"/jobs/{jobId}", "job", "Job"),
            ("/events", "events", "Events"),
            ($"/events?stream=package%3A{packageId}", "events-stream", "Events"),
            ("/storage", "storage", "Storage"),
            ("/tokens", "tokens", "API tokens"),
            ("/health", "health", "Health"),
            ("/sign-in", "sign-in-page", "Sign in"),
        ];
        foreach (var (path, name, heading) in pages)
        {
            var response = await page.GotoAsync(path);
            Assert.True(response?.Status == 200, $"{path} answered {response?.Status}");
            await Assertions.Expect(page.Locator("h1")).ToContainTextAsync(heading);
            Assert.Contains("script-src 'self'", (await response!.AllHeadersAsync())["content-security-policy"], StringComparison.Ordinal);
            await DashboardBrowser.ScreenshotAsync(page, name);
        }

        // The content the pages show: the package's files and digests, the job's output, the verified chain.
        await page.GotoAsync($"/packages/{packageId}");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync(Api.Sha256("hello\n"u8.ToArray()));
        var download = await page.Context.APIRequest.GetAsync($"/packages/{packageId}/files/docs/readme.txt");
        Assert.Equal("hello\n", await download.TextAsync());
        await page.GotoAsync($"/jobs/{jobId}");
        await Assertions.Expect(page.Locator("#job-log")).ToContainTextAsync("converted");
        await page.GotoAsync("/events");
        await Assertions.Expect(page.Locator(".chain")).ToContainTextAsync("Chain verified");
        await page.GotoAsync("/storage");
        // Blobs as the store holds them: one file each under blobs/, or one row each inline in the database for
        // small ones (identical content is stored once).
        var blobFiles = Directory.EnumerateFiles(Path.Combine(root, "blobs"), "*", SearchOption.AllDirectories).Count();
        using (var database = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(root, "db", "artifactstore.db")};Mode=ReadOnly;Pooling=False"))
        {
            database.Open();
            using var count = database.CreateCommand();
            count.CommandText = "SELECT COUNT(*) FROM inline_blobs";
            blobFiles += Convert.ToInt32(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }

        await Assertions.Expect(page.Locator("#blob-count")).ToHaveTextAsync(blobFiles.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "GC dry run" }).ClickAsync();
        await Assertions.Expect(page.Locator("tr.gc-run").First).ToContainTextAsync("dry run");

        Assert.Empty(browser.Errors);
    }

    private static Dictionary<string, object> Jobs(params (string Name, string[] Command)[] types) => new()
    {
        ["Jobs"] = new Dictionary<string, object>
        {
            ["Types"] = types.ToDictionary(t => t.Name, t => (object)new Dictionary<string, object> { ["Command"] = t.Command, ["MaxAttempts"] = 1 }),
        },
    };
}
