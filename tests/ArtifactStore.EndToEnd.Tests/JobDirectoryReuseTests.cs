using System.Text;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// An ended job's working directory is emptied and kept for a later job instead of removed (docs/jobs.md,
/// "The worker pool"): the later job finds nothing of the earlier one, a link the earlier command left is
/// removed without being followed, and a restart removes what was kept.
/// </summary>
public sealed class JobDirectoryReuseTests
{
    [Fact]
    public async Task a_later_job_runs_in_the_emptied_directory_of_an_earlier_one_and_finds_nothing_of_it()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        var outside = temp.Combine("outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "keep.txt"), "keep");
        var config = JobTests.Config(temp, new()
        {
            // Leaves files, hidden files, nested directories and links in every place it may write to.
            ["mess"] = JobTests.Sh($"""
                set -e
                echo out > "$ARTIFACTSTORE_OUTPUT_DIR/out.txt"
                mkdir -p "$HOME/.cache/deep" "$TMPDIR/sub" "$ARTIFACTSTORE_OUTPUT_DIR/sub"
                echo x > "$HOME/.cache/deep/file"; echo y > "$TMPDIR/sub/file"; echo z > "$ARTIFACTSTORE_OUTPUT_DIR/sub/file"
                echo stray > ./stray; echo hidden > ./.hidden; mkdir ./straydir
                ln -s '{outside}' "$HOME/outside-dir"; ln -s '{outside}/keep.txt' "$TMPDIR/outside-file"; ln -s '{outside}' ./outside-link
                echo more >> logs/run.log
                """),
            // Lists everything it finds besides its own input and the store's files.
            ["look"] = JobTests.Sh("""
                l="$(ls -A "$HOME"; ls -A "$TMPDIR"; ls -A "$ARTIFACTSTORE_OUTPUT_DIR"; echo ---; ls -A .; echo ---; ls -A raw; echo ---; cat logs/run.log)"
                printf '%s\n' "$l" > "$ARTIFACTSTORE_OUTPUT_DIR/listing.txt"
                """),
        }, slots: 1);

        await using (var server = await ServerProcess.StartAsync(root, config))
        {
            var first = await JobApi.WaitAsync(server.Http, await JobApi.SubmitOkAsync(server.Http, "mess", [1]), TimeSpan.FromSeconds(30));
            Assert.Equal("succeeded", JobApi.State(first));

            // The ended job has no directory; one spare is kept, emptied, and what the links named is untouched.
            var spare = Assert.Single(Directory.EnumerateFileSystemEntries(Path.Combine(root, "jobs")));
            JobApi.AssertEmptySpare(spare);
            Assert.Equal("keep", File.ReadAllText(Path.Combine(outside, "keep.txt")));

            var second = await JobApi.WaitAsync(server.Http, await JobApi.SubmitOkAsync(server.Http, "look", [2], "second.bin"), TimeSpan.FromSeconds(30));
            Assert.Equal("succeeded", JobApi.State(second));
            var listing = Encoding.UTF8.GetString(await Api.DownloadAsync(server.Http, second.GetProperty("output_package_id").GetString()!, "artifacts/listing.txt"));
            var parts = listing.Split("---\n");
            Assert.Equal(4, parts.Length);
            Assert.Equal(string.Empty, parts[0]);
            Assert.Equal(["artifacts", "home", "logs", "manifest.json", "process-group", "raw", "tmp"], parts[1].Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
            Assert.Equal("input.bin\n", parts[2]);
            Assert.DoesNotContain("more", parts[3], StringComparison.Ordinal);
            Assert.Contains("== attempt 1 of", parts[3], StringComparison.Ordinal);

            // The second job was moved into the spare and gave it back: still one, emptied.
            JobApi.AssertEmptySpare(Assert.Single(Directory.EnumerateFileSystemEntries(Path.Combine(root, "jobs"))));
            Assert.Equal(0, await server.StopAsync());
        }

        // A restart removes what was kept, as any directory that names no job.
        await using (var server = await ServerProcess.StartAsync(root, config))
        {
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "jobs")));
        }

        Assert.Equal("keep", File.ReadAllText(Path.Combine(outside, "keep.txt")));
    }
}
