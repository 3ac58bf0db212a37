using System.Net;
using System.Text.Json;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// The golden root of layout 1 (tests/fixtures/golden-root-v1, see its README) opens and serves with
/// this binary: every file byte-identical to what was uploaded, the deleted package still answering
/// expired, the retention state intact, the event chain verifying and fsck clean.
/// </summary>
public sealed class GoldenRootTests
{
    [Fact]
    public async Task the_layout_1_golden_root_opens_and_serves_byte_identically_and_fsck_finds_it_clean()
    {
        var fixture = Path.Combine(Cli.RepositoryRoot, "tests", "fixtures", "golden-root-v1");
        using var expected = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(fixture, "expected.json")));
        var want = expected.RootElement;
        var profile = want.GetProperty("profile").GetString()!;
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        RootFiles.CopyDirectory(Path.Combine(fixture, "root"), root);
        Assert.False(File.Exists(Path.Combine(root, "lock")), "the fixture must not carry a lock file");
        // Background sweeps and GC stay out of the way: the test reads the root as it was made.
        var config = StoreFiles.Config(temp, """{ "Retention": { "SweepInterval": "30.00:00:00" }, "Gc": { "Interval": "30.00:00:00" } }""");

        await using (var server = await ServerProcess.StartAsync(root, config, profile: profile))
        {
            foreach (var package in want.GetProperty("live").EnumerateArray())
            {
                var id = package.GetProperty("id").GetString()!;
                var (status, body) = await Api.GetJsonAsync(server.Http, $"v1/packages/{id}");
                Assert.Equal(HttpStatusCode.OK, status);
                Assert.Equal(package.GetProperty("name").GetString(), body.GetProperty("name").GetString());
                Assert.Equal(package.GetProperty("pinned").GetBoolean(), body.GetProperty("retention").GetProperty("pinned").GetBoolean());
                var (_, retention) = await Api.GetJsonAsync(server.Http, $"v1/packages/{id}/retention");
                var activeHolds = retention.GetProperty("holds").EnumerateArray()
                    .Where(h => h.GetProperty("active").GetBoolean())
                    .Select(h => h.GetProperty("hold_id").GetString()).ToList();
                Assert.Equal(package.GetProperty("active_holds").EnumerateArray().Select(h => h.GetString()).ToList(), activeHolds);
                foreach (var file in package.GetProperty("files").EnumerateArray())
                {
                    var bytes = await Api.DownloadAsync(server.Http, id, file.GetProperty("path").GetString()!);
                    Assert.Equal(file.GetProperty("size").GetInt64(), bytes.Length);
                    Assert.Equal(file.GetProperty("sha256").GetString(), Api.Sha256(bytes));
                }
            }

            foreach (var package in want.GetProperty("deleted").EnumerateArray())
            {
                var (status, body) = await Api.GetJsonAsync(server.Http, $"v1/packages/{package.GetProperty("id").GetString()}");
                Assert.Equal(HttpStatusCode.NotFound, status);
                Assert.Equal("package_expired", body.GetProperty("code").GetString());
            }

            var (events, problem) = await Api.VerifyChainAsync(server.Http);
            Assert.Null(problem);
            Assert.Equal(want.GetProperty("head_seq").GetInt32(), events);
            Assert.Equal(0, await server.StopAsync());
        }

        Assert.Equal(want.GetProperty("store_id").GetString(), RootFiles.Marker(root)["store_id"]!.GetValue<string>());
        var fsck = await Cli.RunAsync(["fsck", "--data-root", root, "--profile", profile, "--config", config]);
        Assert.True(fsck.ExitCode == 0, fsck.Stdout + fsck.Stderr);
        Assert.Contains("fsck: clean", fsck.Stdout, StringComparison.Ordinal);
    }
}
