using Microsoft.Playwright;

namespace ArtifactStore.Dashboard.Tests;

/// <summary>
/// Debian's Chromium driven by Playwright (never <c>playwright install</c>: the browser comes from apt, which ./test
/// installs). Every page it opens records console errors, uncaught script errors and failed requests, so a test can
/// assert that the pages it visited rendered cleanly, and saves screenshots under
/// <c>.test-results/screenshots/</c> as test artifacts.
/// </summary>
internal sealed class DashboardBrowser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"];

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly List<string> _errors = [];

    private DashboardBrowser(IPlaywright playwright, IBrowser browser, string baseUrl)
    {
        _playwright = playwright;
        _browser = browser;
        BaseUrl = baseUrl.TrimEnd('/');
    }

    public string BaseUrl { get; }

    /// <summary>Console errors, page errors and failed requests of every page opened so far.</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_errors)
            {
                return [.. _errors];
            }
        }
    }

    public static string ScreenshotDirectory { get; } = Path.Combine(ArtifactStore.EndToEnd.Tests.Cli.RepositoryRoot, ".test-results", "screenshots");

    public static async Task<DashboardBrowser> LaunchAsync(string baseUrl)
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: install Debian's chromium (./test does)");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ChromiumArgs,
            });
            return new DashboardBrowser(playwright, browser, baseUrl);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A fresh browser context (its own cookies: one person) with one page that records its errors.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseUrl, ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                Record($"console error on {page.Url}: {message.Text}");
            }
        };
        page.PageError += (_, error) => Record($"script error on {page.Url}: {error}");
        page.RequestFailed += (_, request) => Record($"request failed on {page.Url}: {request.Url} ({request.Failure})");
        return page;
    }

    /// <summary>Saves a full-page screenshot as <c>.test-results/screenshots/NAME.png</c>.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    private void Record(string error)
    {
        lock (_errors)
        {
            _errors.Add(error);
        }
    }
}
