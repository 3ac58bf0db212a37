namespace ArtifactStore.Sqlite;

/// <summary>A view table: its columns in declaration order and the columns of its primary key.</summary>
internal sealed record ViewTable(string Name, IReadOnlyList<string> Columns, IReadOnlyList<string> Key)
{
    public string QuotedColumns => string.Join(", ", Columns.Select(Quote));

    public string OrderBy => string.Join(", ", Key.Select(Quote));

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
