using System.Text;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.Sqlite;

/// <summary>Renders every view table as ordered text, to compare live views with rebuilt ones.</summary>
internal static class SqliteViewDump
{
    private static readonly (string Table, string Order)[] Tables =
    [
        ("packages", "id"),
        ("package_files", "package_id, path"),
        ("package_labels", "package_id, key"),
        ("holds", "hold_id"),
        ("blobs", "sha256"),
        ("tokens", "token_id"),
        ("jobs", "id"),
    ];

    public static string Dump(SqliteConnection connection)
    {
        var text = new StringBuilder();
        foreach (var (table, order) in Tables)
        {
            text.Append("# ").AppendLine(table);
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM {table} ORDER BY {order}";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    text.Append(i == 0 ? string.Empty : " | ").Append(reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture));
                }

                text.AppendLine();
            }
        }

        return text.ToString();
    }
}
