using System.Net;
using ArtifactStore.EndToEnd.Tests;
using Microsoft.Playwright;

namespace ArtifactStore.Dashboard.Tests;

/// <summary>
/// The dashboard against a real server process with tokens: an operator's whole retention round (upload with the CLI,
/// find, hold, release, sweep, GC, tombstone), and a reader who sees no actions and whose posted actions are refused.
/// </summary>
public sealed class OperatorFlowTests
{
    private static readonly object ShortRetention = new Dictionary<string, object>
    {
        // A class that expires within seconds, so the round reaches GC without waiting for days; upload sessions too.
        ["Retention"] = new Dictionary<string, object> { ["Classes"] = new Dictionary<string, object> { ["flash"] = new Dictionary<string, object> { ["Duration"] = "00:00:03" } } },
        ["Uploads"] = new Dictionary<string, object> { ["SessionTimeout"] = "00:00:01" },
    };

    [Fact]
    public async Task an_operator_finds_a_package_by_label_holds_and_releases_it_then_sweep_and_gc_leave_its_tombstone()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var admin = (await TokenCli.CreateAsync(root, "dash-admin", "admin", null))!;
        await using var server = await ServerProcess.StartAsync(root, Dashboard.WriteConfig(temp, ShortRetention));
        var operatorToken = (await TokenCli.CreateAsync(root, "dash-operator", "operator", admin))!;

        var label = "ticket=" + Guid.NewGuid().ToString("N")[..12];
        var file = temp.Combine("evidence.txt");
        await File.WriteAllTextAsync(file, "what the audit needs\n");
        var (exit, stdout, stderr) = await Cli.RunAsync(["packages", "put", file, "--name", "audit/evidence", "--label", label, "--class", "flash", "--server", server.Url, "--token", operatorToken]);
        Assert.True(exit == 0, stderr);
        var id = stdout.Trim();

        // An upload session left unfinished (it expires long before the package), a completed idempotency record
        // whose window and purge margin passed long ago, and a job tombstone as old: GC removes all three.
        var (created, _) = await Api.SendAsync(server.Http, HttpMethod.Post, "v1/uploads", operatorToken);
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal(1, Sql(root, """
            INSERT INTO idempotency (scope, key, operation, state, fingerprint, resource_id, created_at, expires_at)
            VALUES ('dashboard-test', 'long-ago', 'package.create', 'completed', NULL, NULL, '2020-01-01T00:00:00Z', '2020-01-02T00:00:00Z')
            """));
        var oldJob = Guid.CreateVersion7().ToString();
        Assert.Equal(1, Sql(root, $$"""
            INSERT INTO jobs (id, type, state, attempts, max_attempts, options, output_class, created_at, created_by, not_before, input_package_id, expired_at)
            VALUES ('{{oldJob}}', 'convert', 'expired', 1, 3, '{}', 'standard', '2020-01-01T00:00:00.000Z', 'dashboard-test', '2020-01-01T00:00:00.000Z',
                    '{{Guid.CreateVersion7()}}', '2020-01-02T00:00:00.000Z')
            """));

        await using var browser = await DashboardBrowser.LaunchAsync(server.Url);
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/packages");
        Assert.Contains("/sign-in", page.Url, StringComparison.Ordinal);
        await DashboardBrowser.ScreenshotAsync(page, "sign-in");
        await Dashboard.SignInAsync(page, operatorToken);
        await Assertions.Expect(page.Locator("header .who")).ToContainTextAsync("dash-operator");

        // Find it by its label.
        await page.GotoAsync("/packages");
        await page.GetByLabel("Label (key=value)").FillAsync(label);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(page.Locator("tbody tr")).ToHaveCountAsync(1);
        await DashboardBrowser.ScreenshotAsync(page, "packages");
        await page.GetByRole(AriaRole.Link, new() { Name = "audit/evidence" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("audit/evidence");
        Assert.EndsWith($"/packages/{id}", page.Url, StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("#files + .table-wrap")).ToContainTextAsync("evidence.txt");

        // Hold, with a reason: the notice, the hold with its actor, and the timeline.
        await page.GetByLabel("Hold reason").FillAsync("legal review 42");
        await page.GetByRole(AriaRole.Button, new() { Name = "Place hold" }).ClickAsync();
        await Assertions.Expect(page.Locator(".notice")).ToHaveTextAsync("The hold was placed.");
        await Assertions.Expect(page.Locator("tr.hold")).ToContainTextAsync("legal review 42");
        await Assertions.Expect(page.Locator("tr.hold")).ToContainTextAsync("dash-operator");
        await Assertions.Expect(page.Locator("ol.timeline .event-type", new() { HasText = "v1.retention.hold_applied" })).ToHaveCountAsync(1);
        await DashboardBrowser.ScreenshotAsync(page, "package-held");
        var (_, held) = await Api.SendAsync(server.Http, HttpMethod.Get, $"v1/packages/{id}/retention", operatorToken);
        Assert.Contains(held.GetProperty("holds").EnumerateArray(), h => h.GetProperty("reason").GetString() == "legal review 42");

        // Release it.
        await page.Locator("form[aria-label^='Release hold'] input[name='reason']").FillAsync("review closed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Release" }).ClickAsync();
        await Assertions.Expect(page.Locator(".notice")).ToHaveTextAsync("The hold was released.");
        await Assertions.Expect(page.Locator("ol.timeline .event-type", new() { HasText = "v1.retention.hold_released" })).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("tr.hold")).ToContainTextAsync("review closed");

        // Once it has expired: a sweep marks it eligible, GC deletes it, and its page shows the tombstone.
        await Dashboard.WaitUntilExpiredAsync(server, id, operatorToken);
        await page.GotoAsync("/storage");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run sweep" }).ClickAsync();
        await Assertions.Expect(page.Locator("tr.sweep-run").First).ToContainTextAsync("dash-operator");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run GC" }).ClickAsync();
        await Assertions.Expect(page.Locator("tr.gc-run").First).ToContainTextAsync("deleted 1 package(s)");
        await Assertions.Expect(page.Locator("tr.gc-run").First).ToContainTextAsync("1 job tombstone(s) and 1 idempotency record(s), expire 1 upload session(s), abort 0 incomplete upload(s)");
        await Assertions.Expect(page.Locator("tr.gc-run").First).ToContainTextAsync("audit/evidence");
        await DashboardBrowser.ScreenshotAsync(page, "storage-after-gc");

        await page.GotoAsync($"/packages/{id}");
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("Tombstone");
        await Assertions.Expect(page.Locator("#tombstone-heading")).ToHaveTextAsync("Deleted");
        await Assertions.Expect(page.Locator("ol.timeline .event-type", new() { HasText = "v1.package.deleted" })).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Place hold" })).ToHaveCountAsync(0);
        await DashboardBrowser.ScreenshotAsync(page, "tombstone");
        var (gone, _) = await Api.SendAsync(server.Http, HttpMethod.Get, $"v1/packages/{id}", operatorToken);
        Assert.Equal(HttpStatusCode.NotFound, gone);
        var (jobGone, jobProblem) = await Api.SendAsync(server.Http, HttpMethod.Get, $"v1/jobs/{oldJob}", operatorToken);
        Assert.Equal(HttpStatusCode.NotFound, jobGone);
        Assert.Equal("job_not_found", jobProblem.GetProperty("code").GetString());

        Assert.Empty(browser.Errors);
    }

    [Fact]
    public async Task a_reader_sees_no_actions_and_the_server_refuses_the_ones_it_posts()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var admin = (await TokenCli.CreateAsync(root, "dash-admin", "admin", null))!;
        await using var server = await ServerProcess.StartAsync(root);
        var reader = (await TokenCli.CreateAsync(root, "dash-reader", "reader", admin))!;
        var file = temp.Combine("notes.txt");
        await File.WriteAllTextAsync(file, "read me\n");
        var (exit, stdout, stderr) = await Cli.RunAsync(["packages", "put", file, "--name", "readable", "--server", server.Url, "--token", admin]);
        Assert.True(exit == 0, stderr);
        var id = stdout.Trim();

        await using var browser = await DashboardBrowser.LaunchAsync(server.Url);
        var page = await browser.NewPageAsync();
        await Dashboard.SignInAsync(page, reader);

        // Shown: the package, its files and history. Not shown: any action, the token page's link.
        await page.GotoAsync($"/packages/{id}");
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("readable");
        await Assertions.Expect(page.Locator("ol.timeline .event")).Not.ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("main form[method='post']")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Place hold" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Tokens" })).ToHaveCountAsync(0);
        await DashboardBrowser.ScreenshotAsync(page, "package-as-reader");
        await page.GotoAsync("/storage");
        await Assertions.Expect(page.Locator("main form[method='post']")).ToHaveCountAsync(0);

        // Posted anyway, with a valid antiforgery token of this session: 403, and nothing changed.
        var antiforgery = await Dashboard.AntiforgeryTokenAsync(page);
        Assert.False(string.IsNullOrEmpty(antiforgery));
        var form = page.Context.APIRequest.CreateFormData();
        form.Set("__RequestVerificationToken", antiforgery!);
        form.Set("reason", "not mine to place");
        var hold = await page.Context.APIRequest.PostAsync($"/packages/{id}?handler=Hold", new() { Form = form });
        Assert.Equal(403, hold.Status);
        var gc = page.Context.APIRequest.CreateFormData();
        gc.Set("__RequestVerificationToken", antiforgery!);
        gc.Set("dryRun", "false");
        Assert.Equal(403, (await page.Context.APIRequest.PostAsync("/storage?handler=Gc", new() { Form = gc })).Status);
        Assert.Equal(403, (await page.Context.APIRequest.GetAsync("/tokens")).Status);

        // Without the antiforgery token the post is refused before any role is looked at (CSRF).
        var forged = page.Context.APIRequest.CreateFormData();
        forged.Set("reason", "cross-site");
        Assert.Equal(400, (await page.Context.APIRequest.PostAsync($"/packages/{id}?handler=Hold", new() { Form = forged })).Status);

        var (_, retention) = await Api.SendAsync(server.Http, HttpMethod.Get, $"v1/packages/{id}/retention", admin);
        Assert.Empty(retention.GetProperty("holds").EnumerateArray());
        var (_, events) = await Api.SendAsync(server.Http, HttpMethod.Get, "v1/events?limit=1000", admin);
        Assert.DoesNotContain(events.GetProperty("events").EnumerateArray(), e => e.GetProperty("type").GetString() is "v1.retention.hold_applied" or "v1.package.deleted");

        // The session cookie is HttpOnly and SameSite=Strict.
        var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == "artifactstore_session");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.Empty(browser.Errors);
    }

    /// <summary>Runs one statement against the data root's SQLite database beside the running server (WAL lets both write).</summary>
    private static int Sql(string root, string sql)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(root, "db", "artifactstore.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }
}
