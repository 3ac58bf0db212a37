using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// The README's examples as a newcomer runs them: the "Try it" commands, unchanged, against <c>serve</c> on a
/// fresh copy of the repository; and the example job type, run as shipped in examples/pdftotext.json with
/// Debian's pdftotext, on the PDF the README's walkthrough uses (examples/letter.pdf, a one-page letter in Helvetica).
/// </summary>
public sealed partial class PdfToTextExampleTests
{
    [Fact]
    public async Task the_example_configuration_turns_a_pdf_into_text()
    {
        using var temp = new TempDirectory();
        var config = Path.Combine(Cli.RepositoryRoot, "examples", "pdftotext.json");
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"), config);

        var id = await JobApi.SubmitOkAsync(server.Http, "pdf-to-text", File.ReadAllBytes(Path.Combine(Cli.RepositoryRoot, "examples", "letter.pdf")), "letter.pdf");
        var job = await JobApi.WaitAsync(server.Http, id, TimeSpan.FromSeconds(60));

        Assert.True(JobApi.State(job) == "succeeded", $"the job ended {JobApi.State(job)}: {job}");
        var text = Encoding.UTF8.GetString(await Api.DownloadAsync(server.Http, job.GetProperty("output_package_id").GetString()!, "artifacts/text.txt"));
        Assert.Contains("Hello from ArtifactStore", text, StringComparison.Ordinal);
    }

    /// <summary>
    /// The README's "Try it" block, read from the README itself and run with <c>sh</c> in a fresh copy of the
    /// repository's files (what <c>git ls-files</c> lists), against <c>artifactstore serve</c> started there with
    /// no arguments, so on its default address and default data root. The one edit is the README's own: the
    /// <c>&lt;id&gt;</c> placeholder becomes the id of the first answer. (The built command stands in for the
    /// <c>./artifactstore</c> launcher, which would only build the same sources again.)
    /// </summary>
    [Fact]
    public async Task the_readme_try_it_commands_run_unchanged_against_serve_on_a_fresh_copy()
    {
        using var temp = new TempDirectory();
        var copy = temp.Combine("clone");
        await CopyTrackedFilesAsync(copy);
        var commands = TryItCommands(await File.ReadAllTextAsync(Path.Combine(copy, "README.md")));
        Assert.Equal(2, commands.Count);

        await using var server = await ServerProcess.StartCommandAsync(["serve"], workingDirectory: copy);
        Assert.Equal(5080, server.Port);
        await server.WaitUntilReadyAsync();

        var (exit, answer, error) = await ShAsync(commands[0], copy);
        Assert.True(exit == 0, $"'{commands[0]}' exited {exit}: {error}");
        using var created = JsonDocument.Parse(answer);
        var id = created.RootElement.GetProperty("id").GetString()!;
        Assert.Equal("reports/q4", created.RootElement.GetProperty("name").GetString());

        var second = commands[1].Replace("<id>", id, StringComparison.Ordinal);
        (exit, _, error) = await ShAsync(second, copy);
        Assert.True(exit == 0, $"'{second}' exited {exit}: {error}");
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(copy, "examples", "letter.pdf")), await File.ReadAllBytesAsync(Path.Combine(copy, "letter.pdf")));
        Assert.True(Directory.Exists(Path.Combine(copy, ".artifactstore", "dev")), "serve did not use its default data root");
    }

    /// <summary>The commands of the first sh block after "Try it:", with backslash continuations joined.</summary>
    private static List<string> TryItCommands(string readme)
    {
        var block = TryItBlock().Match(readme);
        Assert.True(block.Success, "the README has no \"Try it:\" block");
        return [.. block.Groups["body"].Value.Replace("\\\n", " ", StringComparison.Ordinal).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }

    private static async Task CopyTrackedFilesAsync(string destination)
    {
        var (exit, files, error) = await RunAsync("git", ["-C", Cli.RepositoryRoot, "ls-files", "-z"], Cli.RepositoryRoot);
        Assert.True(exit == 0, error);
        foreach (var file in files.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var source = Path.Combine(Cli.RepositoryRoot, file);
            if (!File.Exists(source))
            {
                continue; // deleted in the working tree
            }

            var target = Path.Combine(destination, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(source, target);
        }
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> ShAsync(string command, string directory) =>
        RunAsync("sh", ["-c", command], directory);

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string program, IEnumerable<string> args, string directory)
    {
        var info = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    [GeneratedRegex("Try it:\\s*\\n```sh\\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex TryItBlock();
}
