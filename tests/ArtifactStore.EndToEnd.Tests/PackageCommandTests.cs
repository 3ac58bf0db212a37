using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ArtifactStore.Core.Blobs;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>The <c>artifactstore packages</c> commands (and --server/--token with their environment variables) against a real server.</summary>
public sealed class PackageCommandTests
{
    [Fact]
    public async Task put_of_a_nested_directory_then_get_gives_an_identical_tree()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        var source = temp.Combine("source");
        var random = new Random(11);
        var big = new byte[3 * 1024 * 1024 + 17];
        random.NextBytes(big);
        Write(source, "readme.txt", "top level\n"u8.ToArray());
        Write(source, "bin/tool.bin", big);
        Write(source, "docs/deep/er/notes.md", "# nested\n"u8.ToArray());
        Write(source, "empty.dat", []);
        var single = temp.Combine("extra.log");
        await File.WriteAllTextAsync(single, "a file given by itself");

        var (putExit, putOut, putErrors) = await Cli.RunAsync(["packages", "put", source, single, "--name", "tree", "--label", "env=ci", "--server", server.Url]);
        Assert.True(putExit == 0, putErrors);
        // Only the id on stdout, so "$(artifactstore packages put …)" is the id; no progress when stderr is not a terminal.
        var id = putOut.TrimEnd('\n');
        Assert.True(Guid.TryParse(id, out _), $"stdout was not just an id: '{putOut}'");
        Assert.DoesNotContain("uploading", putErrors, StringComparison.Ordinal);

        var (_, package) = await Api.GetJsonAsync(server.Http, $"v1/packages/{id}");
        var paths = package.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("path").GetString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["bin/tool.bin", "docs/deep/er/notes.md", "empty.dat", "extra.log", "readme.txt"], paths);
        Assert.Equal("ci", package.GetProperty("labels").GetProperty("env").GetString());

        var target = temp.Combine("copy");
        var (getExit, _, getErrors) = await Cli.RunAsync(["packages", "get", id, "--out", target, "--server", server.Url]);
        Assert.True(getExit == 0, getErrors);
        File.Move(Path.Combine(target, "extra.log"), temp.Combine("extra.copy"));
        Assert.Equal(Tree(source), Tree(target));
        Assert.Equal(await File.ReadAllBytesAsync(single), await File.ReadAllBytesAsync(temp.Combine("extra.copy")));

        // A second get into the same place refuses rather than overwriting what is there.
        var (againExit, _, againErrors) = await Cli.RunAsync(["packages", "get", id, "--out", target, "--server", server.Url]);
        Assert.Equal(1, againExit);
        Assert.Contains("already exists", againErrors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(17)] // answered blob_corrupt before any byte is sent
    [InlineData(12 * 1024 * 1024)] // streamed, then cut off when the server's own check fails
    public async Task get_of_a_corrupted_blob_fails_and_leaves_no_file_behind(int size)
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        var input = temp.Combine("data.bin");
        await File.WriteAllBytesAsync(input, bytes);
        var (_, putOut, putErrors) = await Cli.RunAsync(["packages", "put", input, "--name", "fragile", "--server", server.Url]);
        var id = putOut.Trim();
        Assert.True(Guid.TryParse(id, out _), putErrors);
        CorruptionTests.Flip(temp, Api.Sha256(bytes), size - 5);

        var target = temp.Combine("out");
        var (exit, stdout, stderr) = await Cli.RunAsync(["packages", "get", id, "--out", target, "--server", server.Url]);
        Assert.Equal(1, exit);
        Assert.Contains("data.bin", stderr, StringComparison.Ordinal);
        Assert.Equal("", stdout);
        var left = Directory.Exists(target) ? Directory.GetFiles(target, "*", SearchOption.AllDirectories) : [];
        Assert.Empty(left);
    }

    /// <summary>
    /// The CLI's own check, which a correct server never trips: a stand-in server sends bytes whose sha256 or
    /// blake3 differs from what its file list says. The command must refuse them and keep no file.
    /// </summary>
    [Theory]
    [InlineData("sha256")]
    [InlineData("blake3")]
    public async Task get_refuses_bytes_whose_digest_differs_from_the_file_list(string wrongDigest)
    {
        using var temp = new TempDirectory();
        var bytes = "the bytes as sent"u8.ToArray();
        using var digester = new DualDigester();
        digester.Append(bytes);
        var (sha256, blake3Hex) = digester.Finish();
        var listed = new
        {
            path = "dir/a.txt",
            size = bytes.Length,
            sha256 = wrongDigest == "sha256" ? Api.Sha256("other bytes"u8.ToArray()) : sha256.ToString(),
            blake3 = wrongDigest == "blake3" ? "blake3:" + new string('0', 64) : "blake3:" + blake3Hex,
            media_type = "text/plain",
        };
        var id = Guid.NewGuid().ToString();
        var package = JsonSerializer.SerializeToUtf8Bytes(new
        {
            id,
            name = "lying",
            labels = new Dictionary<string, string>(),
            state = "live",
            created_at = "2026-01-01T00:00:00Z",
            created_by = "someone",
            retention_class = "standard",
            manifest_digest = Api.Sha256([]),
            files = new[] { listed },
            retention = new { expires_at = (string?)null, pinned = false, eligible_for_deletion = false },
        });

        using var listener = new HttpListener();
        var url = $"http://127.0.0.1:{FreePort()}/";
        listener.Prefixes.Add(url);
        listener.Start();
        var serving = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return; // stopped
                }

                var body = context.Request.Url!.AbsolutePath == $"/v1/packages/{id}" ? package : bytes;
                context.Response.ContentType = "application/json";
                context.Response.ContentLength64 = body.Length;
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        });

        var target = temp.Combine("out");
        var (exit, _, stderr) = await Cli.RunAsync(["packages", "get", id, "--out", target, "--server", url]);
        listener.Stop();
        await serving;
        Assert.Equal(1, exit);
        Assert.Contains($"digest mismatch: {wrongDigest}", stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.Exists(target) ? Directory.GetFiles(target, "*", SearchOption.AllDirectories) : []);
    }

    [Fact]
    public async Task list_and_show_print_aligned_text_and_json_on_request()
    {
        using var temp = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"));
        var file = temp.Combine("a.txt");
        await File.WriteAllTextAsync(file, "alpha");
        var first = await PutAsync(server, file, "nightly-build", "env=ci");
        var second = await PutAsync(server, file, "release", "env=prod");

        var (listExit, list, listErrors) = await Cli.RunAsync(["packages", "list", "--server", server.Url]);
        Assert.True(listExit == 0, listErrors);
        var lines = list.TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("ID ", lines[0], StringComparison.Ordinal);
        // Aligned: every row's name starts in the NAME column, and no line ends in padding.
        var nameColumn = lines[0].IndexOf("NAME", StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith(first, StringComparison.Ordinal) && l.IndexOf("nightly-build", StringComparison.Ordinal) == nameColumn);
        Assert.Contains(lines, l => l.StartsWith(second, StringComparison.Ordinal) && l.IndexOf("release", StringComparison.Ordinal) == nameColumn);
        Assert.All(lines, l => Assert.False(l.EndsWith(' '), $"trailing spaces in '{l}'"));

        var (filteredExit, filtered, _) = await Cli.RunAsync(["packages", "list", "--label", "env=prod", "--json", "--server", server.Url]);
        Assert.Equal(0, filteredExit);
        using (var json = JsonDocument.Parse(filtered))
        {
            var items = json.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()).ToList();
            Assert.Equal([second], items);
        }

        var (limitedExit, limited, limitedErrors) = await Cli.RunAsync(["packages", "list", "--limit", "1", "--server", server.Url]);
        Assert.Equal(0, limitedExit);
        Assert.Equal(2, limited.TrimEnd('\n').Split('\n').Length);
        Assert.Contains("more packages match", limitedErrors, StringComparison.Ordinal);

        var (badExit, _, badErrors) = await Cli.RunAsync(["packages", "list", "--state", "sleeping", "--server", server.Url]);
        Assert.Equal(1, badExit);
        Assert.Contains("validation_failed", badErrors, StringComparison.Ordinal);

        var (showExit, show, showErrors) = await Cli.RunAsync(["packages", "show", first, "--server", server.Url]);
        Assert.True(showExit == 0, showErrors);
        Assert.Contains($"id:       {first}", show, StringComparison.Ordinal);
        Assert.Contains("labels:   env=ci", show, StringComparison.Ordinal);
        var (_, api) = await Api.GetJsonAsync(server.Http, $"v1/packages/{first}");
        var apiFile = api.GetProperty("files")[0];
        Assert.Contains($"a.txt  5     {apiFile.GetProperty("sha256").GetString()}  {apiFile.GetProperty("blake3").GetString()}", show, StringComparison.Ordinal);

        var (showJsonExit, showJson, _) = await Cli.RunAsync(["packages", "show", first, "--json", "--server", server.Url]);
        Assert.Equal(0, showJsonExit);
        using (var json = JsonDocument.Parse(showJson))
        {
            Assert.Equal(api.GetProperty("manifest_digest").GetString(), json.RootElement.GetProperty("manifest_digest").GetString());
        }

        var (missingExit, _, missingErrors) = await Cli.RunAsync(["packages", "show", Guid.NewGuid().ToString(), "--server", server.Url]);
        Assert.Equal(1, missingExit);
        Assert.Contains("404: package_not_found: ", missingErrors, StringComparison.Ordinal);
        Assert.Single(missingErrors.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task without_a_token_the_401_says_how_to_pass_one_and_the_environment_variables_work()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("root");
        await using var server = await ServerProcess.StartAsync(root);
        var admin = (await TokenCli.CreateAsync(root, "the-admin", "admin", null))!;
        var file = temp.Combine("a.txt");
        await File.WriteAllTextAsync(file, "secured");

        var (exit, stdout, stderr) = await Cli.RunAsync(["packages", "put", file, "--name", "locked", "--server", server.Url]);
        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains("401", line, StringComparison.Ordinal);
        Assert.Contains("--token", line, StringComparison.Ordinal);
        Assert.Contains("ARTIFACTSTORE_TOKEN", line, StringComparison.Ordinal);

        // ARTIFACTSTORE_URL and ARTIFACTSTORE_TOKEN stand for --server and --token.
        var environment = new Dictionary<string, string> { ["ARTIFACTSTORE_URL"] = server.Url, ["ARTIFACTSTORE_TOKEN"] = admin };
        var (putExit, putOut, putErrors) = await Cli.RunAsync(["packages", "put", file, "--name", "unlocked"], environment);
        Assert.True(putExit == 0, putErrors);
        var id = putOut.Trim();
        var (showExit, show, _) = await Cli.RunAsync(["packages", "show", id], environment);
        Assert.Equal(0, showExit);
        Assert.Contains("by the-admin", show, StringComparison.Ordinal);

        // The options win over the variables: a wrong --token is refused even though the variable holds a good one.
        var (wrongExit, _, wrongErrors) = await Cli.RunAsync(["packages", "show", id, "--token", "ast_not-a-real-token"], environment);
        Assert.Equal(1, wrongExit);
        Assert.Contains("401", wrongErrors, StringComparison.Ordinal);
        var (optionsExit, _, optionsErrors) = await Cli.RunAsync(["packages", "show", id, "--server", server.Url, "--token", admin]);
        Assert.True(optionsExit == 0, optionsErrors);
    }

    internal static async Task<string> PutAsync(ServerProcess server, string file, string name, string label)
    {
        var (exit, stdout, stderr) = await Cli.RunAsync(["packages", "put", file, "--name", name, "--label", label, "--server", server.Url]);
        Assert.True(exit == 0, stderr);
        return stdout.Trim();
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    private static void Write(string root, string relative, byte[] bytes)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>Every file under <paramref name="root"/> with its SHA-256, by relative path.</summary>
    private static List<string> Tree(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => $"{Path.GetRelativePath(root, f)} {Api.Sha256(File.ReadAllBytes(f))}")
            .Order(StringComparer.Ordinal)
            .ToList();
}
