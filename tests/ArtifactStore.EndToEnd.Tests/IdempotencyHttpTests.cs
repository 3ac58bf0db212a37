using System.Net;

namespace ArtifactStore.EndToEnd.Tests;

public sealed class IdempotencyHttpTests
{
    [Fact]
    public async Task the_same_key_and_content_answer_the_same_package_also_after_a_restart()
    {
        using var temp = new TempDirectory();
        string first;
        await using (var server = await ServerProcess.StartAsync(temp.Combine("root")))
        {
            var (status, body) = await Api.PostPackageAsync(server.Http, Api.Form("idem", Api.Files(("a.txt", "A"u8.ToArray()))), "key-1");
            Assert.Equal(HttpStatusCode.Created, status);
            first = body.GetProperty("id").GetString()!;
            var (replayStatus, replay) = await Api.PostPackageAsync(server.Http, Api.Form("idem", Api.Files(("a.txt", "A"u8.ToArray()))), "key-1");
            Assert.Equal(HttpStatusCode.OK, replayStatus);
            Assert.Equal(first, replay.GetProperty("id").GetString());
            await server.StopAsync();
        }

        await using (var server = await ServerProcess.StartAsync(temp.Combine("root")))
        {
            var (status, body) = await Api.PostPackageAsync(server.Http, Api.Form("idem", Api.Files(("a.txt", "A"u8.ToArray()))), "key-1");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(first, body.GetProperty("id").GetString());

            var (otherStatus, other) = await Api.PostPackageAsync(server.Http, Api.Form("idem", Api.Files(("a.txt", "B"u8.ToArray()))), "key-1");
            Assert.Equal(HttpStatusCode.UnprocessableEntity, otherStatus);
            Assert.Equal("idempotency_key_reused", other.GetProperty("code").GetString());

            var (_, list) = await Api.GetJsonAsync(server.Http, "v1/packages?name=idem");
            Assert.Single(list.GetProperty("items").EnumerateArray());
        }
    }

    [Fact]
    public async Task concurrent_requests_with_one_key_create_exactly_one_package()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        var payload = new byte[2 * 1024 * 1024];
        new Random(7).NextBytes(payload);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            Api.PostPackageAsync(server.Http, Api.Form("concurrent", Api.Files(("p.bin", payload))), "same-key")));

        var created = results.Count(r => r.Status == HttpStatusCode.Created);
        Assert.Equal(1, created);
        Assert.All(results, r => Assert.Contains(r.Status, new[] { HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.Conflict }));
        Assert.All(results.Where(r => r.Status == HttpStatusCode.Conflict),
            r => Assert.Equal("idempotency_request_in_progress", r.Body.GetProperty("code").GetString()));
        var (_, list) = await Api.GetJsonAsync(server.Http, "v1/packages?name=concurrent");
        Assert.Single(list.GetProperty("items").EnumerateArray());
    }
}
