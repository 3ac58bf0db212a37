namespace ArtifactStore.Cli.Commands;

/// <summary>Plain text columns aligned with spaces, for people; scripts use <c>--json</c>.</summary>
internal static class TextTable
{
    public static void Write(TextWriter output, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = rows.ToList();
        var widths = headers.Select((h, i) => all.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        WriteRow(output, headers, widths);
        foreach (var row in all)
        {
            WriteRow(output, row, widths);
        }
    }

    /// <summary>"key: value" lines with the values aligned.</summary>
    public static void WriteFields(TextWriter output, IReadOnlyList<(string Key, string Value)> fields)
    {
        var width = fields.Max(f => f.Key.Length) + 1;
        foreach (var (key, value) in fields)
        {
            output.WriteLine($"{(key + ":").PadRight(width)} {value}");
        }
    }

    private static void WriteRow(TextWriter output, IReadOnlyList<string> cells, int[] widths)
    {
        // The last column is not padded, so lines carry no trailing spaces.
        var padded = cells.Select((c, i) => i == cells.Count - 1 ? c : c.PadRight(widths[i]));
        output.WriteLine(string.Join("  ", padded));
    }
}
