using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ArtifactStore.EndToEnd.Tests.BadInput;

/// <summary>
/// One real server process shared by the bad-input suite: a data root with one package (so ids reach
/// real records), a configured job type, small limits, and an admin token every request carries (so a
/// request that wrongly creates a token cannot lock the suite out). <see cref="AssertAnsweredAsync"/> holds
/// an answer to the suite's rules.
/// </summary>
public sealed class BadInputServer : IAsyncLifetime
{
    public const long MaxUploadBytes = 1_000_000;
    private readonly TempDirectory _temp = new();
    private ServerProcess _server = null!;
    private string _token = null!;
    private long _head;

    public Guid PackageId { get; private set; }

    internal Uri Url => new(_server.Url);

    internal string Root => _temp.Combine("root");

    public async Task InitializeAsync()
    {
        var config = _temp.Combine("config.json");
        await File.WriteAllTextAsync(config, $$"""
            { "Limits": { "MaxUploadBytes": {{MaxUploadBytes}} }, "Jobs": { "Types": { "noop": { "Command": ["true"] } } } }
            """);
        _server = await ServerProcess.StartAsync(Root, config);
        var (created, package) = await Api.PostPackageAsync(_server.Http, Api.Form("bad-input/base", Api.Files(("a.txt", "hello"u8.ToArray()))));
        Assert.Equal(HttpStatusCode.Created, created);
        PackageId = Guid.Parse(package.GetProperty("id").GetString()!);
        _token = (await TokenCli.CreateAsync(Root, "admin", "admin", adminToken: null))!;
        _server.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        _head = await HeadAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _temp.Dispose();
    }

    internal Task<RawResponse> SendAsync(BadRequest request) =>
        RawHttp.SendAsync(Url, request.WithHeader("Authorization", $"Bearer {_token}"));

    /// <summary>
    /// No 5xx; every error a problem document with a <c>code</c> (except what Kestrel rejects before the
    /// app runs, which must be its bare 400); nothing written — no new event, tmp/ empty — unless a
    /// tolerated case was accepted. Returns what failed, or null.
    /// </summary>
    internal async Task<string?> AssertAnsweredAsync(BadRequest request, RawResponse response)
    {
        var text = Encoding.UTF8.GetString(response.Body);
        var said = $"{request} → {response.Status} {(text.Length > 300 ? text[..300] : text)}";
        if (response.Status >= 500)
        {
            return $"server error: {said}";
        }

        if (request.Expect == Expect.KestrelRejects)
        {
            return response.Status == 400 ? null : $"expected Kestrel's bare 400: {said}";
        }

        var isError = response.Status >= 400;
        if (request.Expect == Expect.Refused && !isError)
        {
            return $"expected a refusal: {said}";
        }

        if (isError && request.Method != "HEAD" && request.Target.StartsWith("/v2", StringComparison.OrdinalIgnoreCase))
        {
            // The OCI API answers in the OCI error format (docs/oci.md, "Errors").
            using var oci = JsonDocument.Parse(response.Body);
            if (response.MediaType != "application/json" || !oci.RootElement.TryGetProperty("errors", out var errors) ||
                string.IsNullOrEmpty(errors[0].GetProperty("code").GetString()))
            {
                return $"error on /v2 without an OCI error document: {said}";
            }
        }
        else if (isError && request.Method != "HEAD")
        {
            if (response.MediaType != "application/problem+json")
            {
                return $"error without a problem document: {said}";
            }

            using var problem = JsonDocument.Parse(response.Body);
            if (!problem.RootElement.TryGetProperty("code", out var code) || string.IsNullOrEmpty(code.GetString()) ||
                problem.RootElement.GetProperty("status").GetInt32() != response.Status)
            {
                return $"problem document without a code or with another status: {said}";
            }
        }

        if (Directory.EnumerateFileSystemEntries(Path.Combine(Root, "tmp")).FirstOrDefault() is { } left)
        {
            return $"left {Path.GetFileName(left)} in tmp/: {said}";
        }

        var head = await HeadAsync();
        if (head != _head)
        {
            var written = head - _head;
            _head = head;
            if (isError || request.Expect == Expect.Refused)
            {
                return $"{written} event(s) written: {said}";
            }
        }

        return null;
    }

    private async Task<long> HeadAsync()
    {
        long after = _head;
        while (true)
        {
            var (status, body) = await Api.GetJsonAsync(_server.Http, $"v1/events?after={after.ToString(CultureInfo.InvariantCulture)}&limit=1000");
            Assert.Equal(HttpStatusCode.OK, status);
            var events = body.GetProperty("events").EnumerateArray().ToList();
            if (events.Count == 0)
            {
                return after;
            }

            after = events[^1].GetProperty("seq").GetInt64();
        }
    }
}
