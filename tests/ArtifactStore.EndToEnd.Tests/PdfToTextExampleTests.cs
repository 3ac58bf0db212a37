using System.Text;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// The README's example job type, run as shipped in examples/pdftotext.json with Debian's pdftotext, on the
/// PDF the README's walkthrough uses (examples/letter.pdf, a one-page letter in Helvetica).
/// </summary>
public sealed class PdfToTextExampleTests
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
}
