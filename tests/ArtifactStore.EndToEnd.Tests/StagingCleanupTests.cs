using System.Net;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// Staged copies in <c>tmp/</c> on a real server (docs/upload.md, "Staging"): every copy a request
/// staged and did not publish is gone when it is answered, on success and on refusal, and fsck names a
/// copy left there past the grace period.
/// </summary>
public sealed class StagingCleanupTests
{
    [Fact]
    public async Task a_package_with_the_same_content_in_three_files_leaves_nothing_in_tmp_whether_created_or_refused()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await using var server = await ServerProcess.StartAsync(root);
        var small = "same content"u8.ToArray();
        var large = new byte[3 * 1024 * 1024];
        new Random(7).NextBytes(large);

        foreach (var content in new[] { small, large })
        {
            var (status, body) = await Api.PostPackageAsync(server.Http,
                Api.Form("dup/" + content.Length, Api.Files(("a.bin", content), ("b/a.bin", content), ("c.bin", content))));
            Assert.Equal(HttpStatusCode.Created, status);
            Assert.Equal(3, body.GetProperty("files").GetArrayLength());
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "tmp")));
        }

        // Refused after all three were staged: nothing stays either.
        using var refused = Api.Form("dup/refused", Api.Files(("a.bin", large), ("b.bin", large), ("c.bin", large)), "retention_class", "no-such-class");
        var (refusedStatus, problem) = await Api.PostPackageAsync(server.Http, refused);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refusedStatus);
        Assert.Equal("retention_class_unknown", problem.GetProperty("code").GetString());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "tmp")));

        var (_, downloaded) = await Api.GetJsonAsync(server.Http, "v1/packages?name=dup/" + large.Length);
        var id = downloaded.GetProperty("items")[0].GetProperty("id").GetString()!;
        Assert.Equal(large, await Api.DownloadAsync(server.Http, id, "b/a.bin"));
    }

    [Fact]
    public async Task fsck_reports_a_staged_copy_older_than_the_grace_period_and_repair_removes_it()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await ServerProcess.CreateRootAsync(root);
        var old = Path.Combine(root, "tmp", "upload-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(old, "left by an upload that never discarded it");
        File.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddDays(-2));
        var young = Path.Combine(root, "tmp", "upload-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(young, "an upload in flight");

        var (exit, stdout, _) = await Cli.RunAsync(["fsck", "--data-root", root]);

        Assert.Equal(4, exit);
        Assert.Contains($"unreferenced staging_leftover tmp/{Path.GetFileName(old)}", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.GetFileName(young), stdout, StringComparison.Ordinal);

        var repair = await Cli.RunAsync(["fsck", "--repair", "--data-root", root]);
        Assert.Equal(0, repair.ExitCode);
        Assert.False(File.Exists(old));
        var (after, afterOut, _) = await Cli.RunAsync(["fsck", "--data-root", root]);
        Assert.Equal(0, after);
        Assert.Contains("fsck: clean", afterOut, StringComparison.Ordinal);
    }
}
