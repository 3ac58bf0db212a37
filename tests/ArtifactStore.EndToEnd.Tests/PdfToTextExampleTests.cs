using System.Globalization;
using System.Text;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>The README's example job type, run as shipped in examples/pdftotext.json with Debian's pdftotext.</summary>
public sealed class PdfToTextExampleTests
{
    [Fact]
    public async Task the_example_configuration_turns_a_pdf_into_text()
    {
        using var temp = new TempDirectory();
        var config = Path.Combine(Cli.RepositoryRoot, "examples", "pdftotext.json");
        await using var server = await ServerProcess.StartAsync(temp.Combine("root"), config);

        var id = await JobApi.SubmitOkAsync(server.Http, "pdf-to-text", MinimalPdf("Hello from ArtifactStore"), "letter.pdf");
        var job = await JobApi.WaitAsync(server.Http, id, TimeSpan.FromSeconds(60));

        Assert.True(JobApi.State(job) == "succeeded", $"the job ended {JobApi.State(job)}: {job}");
        var text = Encoding.UTF8.GetString(await Api.DownloadAsync(server.Http, job.GetProperty("output_package_id").GetString()!, "artifacts/text.txt"));
        Assert.Contains("Hello from ArtifactStore", text, StringComparison.Ordinal);
    }

    /// <summary>A one-page PDF showing <paramref name="text"/> in Helvetica, with a correct cross-reference table.</summary>
    private static byte[] MinimalPdf(string text)
    {
        var stream = $"BT /F1 18 Tf 72 720 Td ({text}) Tj ET";
        string[] objects =
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            $"<< /Length {stream.Length} >>\nstream\n{stream}\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ];
        var pdf = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(pdf.Length);
            pdf.Append(CultureInfo.InvariantCulture, $"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }

        var xref = pdf.Length;
        pdf.Append(CultureInfo.InvariantCulture, $"xref\n0 {objects.Length + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            pdf.Append(CultureInfo.InvariantCulture, $"{offset:D10} 00000 n \n");
        }

        pdf.Append(CultureInfo.InvariantCulture, $"trailer\n<< /Size {objects.Length + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.ASCII.GetBytes(pdf.ToString());
    }
}
