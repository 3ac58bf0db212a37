using System.Text;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite;

/// <summary>Renders every view table as ordered text, to compare live views with rebuilt ones.</summary>
internal static class SqliteViewDump
{
    public static string Dump(SqliteConnection connection)
    {
        var text = new StringBuilder();
        foreach (var table in SqliteViewTables.Read(connection))
        {
            text.Append("# ").AppendLine(table.Name);
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {table.QuotedColumns} FROM {ViewTable.Quote(table.Name)} ORDER BY {table.OrderBy}";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                text.AppendLine(RowText(reader, 0));
            }
        }

        return text.ToString();
    }

    /// <summary>The columns of the current row from <paramref name="first"/> on, as <c>a | b | NULL</c>.</summary>
    public static string RowText(SqliteDataReader reader, int first)
    {
        var text = new StringBuilder();
        for (var i = first; i < reader.FieldCount; i++)
        {
            text.Append(i == first ? string.Empty : " | ").Append(Value(reader, i));
        }

        return text.ToString();
    }

    public static string Value(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? "NULL" : Convert.ToString(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture) ?? "NULL";
}
