using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>Changes a stopped data root from the outside, the way damage or an old release would.</summary>
internal static class RootFiles
{
    public static string BlobPath(string root, string digest)
    {
        var hex = digest.StartsWith("sha256:", StringComparison.Ordinal) ? digest["sha256:".Length..] : digest;
        return Path.Combine(root, "blobs", "sha256", hex[..2], hex[2..4], hex);
    }

    public static void FlipByte(string path, long offset = 0)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        var b = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(b ^ 0x01));
    }

    /// <summary>
    /// Inverts bits of one byte of a blob kept inline in the root's database (docs/upload.md, "Small blobs"), behind the
    /// store's back; a server may hold the root (SQLite lets another connection write between its transactions).
    /// </summary>
    public static void FlipInlineByte(string root, string digest, int offset, byte mask = 0x01)
    {
        var hex = digest.StartsWith("sha256:", StringComparison.Ordinal) ? digest["sha256:".Length..] : digest;
        using var connection = new SqliteConnection($"Data Source={Path.Combine(root, "db", "artifactstore.db")};Pooling=False;Default Timeout=30");
        connection.Open();
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT bytes FROM inline_blobs WHERE sha256 = $sha";
        read.Parameters.AddWithValue("$sha", hex);
        var bytes = (byte[])read.ExecuteScalar()!;
        bytes[offset] ^= mask;
        using var write = connection.CreateCommand();
        write.CommandText = "UPDATE inline_blobs SET bytes = $bytes WHERE sha256 = $sha";
        write.Parameters.AddWithValue("$bytes", bytes);
        write.Parameters.AddWithValue("$sha", hex);
        Assert.Equal(1, write.ExecuteNonQuery());
    }

    /// <summary>Runs SQL on the root's database behind the store's back; returns the rows changed.</summary>
    public static int Sql(string root, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(root, "db", "artifactstore.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }

    /// <summary>Rewrites one field of the marker.</summary>
    public static void SetMarker(string root, string field, JsonNode? value)
    {
        var path = Path.Combine(root, "artifactstore-root.json");
        var marker = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        marker[field] = value;
        File.WriteAllText(path, marker.ToJsonString());
    }

    public static JsonObject Marker(string root) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(root, "artifactstore-root.json")))!.AsObject();

    public static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
