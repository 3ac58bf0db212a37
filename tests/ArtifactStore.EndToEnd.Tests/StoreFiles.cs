using Microsoft.Data.Sqlite;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>Looks at a data root from the outside while a server may be running on it (read-only).</summary>
internal static class StoreFiles
{
    /// <summary>Every blob file with its size, sorted: equal before and after means nothing on disk changed.</summary>
    public static string BlobListing(string root) =>
        string.Join('\n', Directory.EnumerateFiles(Path.Combine(root, "blobs"), "*", SearchOption.AllDirectories)
            .Select(f => $"{Path.GetFileName(f)} {new FileInfo(f).Length}")
            .Order(StringComparer.Ordinal));

    public static long BlobBytes(string root) =>
        Directory.EnumerateFiles(Path.Combine(root, "blobs"), "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    /// <summary>Bytes held by blob files plus bytes kept inline in the database (docs/upload.md, "Small blobs").</summary>
    public static long StoredBytes(string root) => BlobBytes(root) + Scalar(root, "SELECT COALESCE(SUM(size), 0) FROM inline_blobs");

    /// <summary>Every blob, a file or an inline row, with its size and placement, sorted.</summary>
    public static string StoredListing(string root) =>
        string.Join('\n', new[] { BlobListing(root) }.Concat(InlineRows(root).Select(r => $"{r.Hex} {r.Size} inline")));

    /// <summary>The hex digests of every blob held, as a file or inline.</summary>
    public static IReadOnlySet<string> StoredDigests(string root) =>
        Directory.EnumerateFiles(Path.Combine(root, "blobs"), "*", SearchOption.AllDirectories).Select(f => Path.GetFileName(f)!)
            .Concat(InlineRows(root).Select(r => r.Hex))
            .ToHashSet(StringComparer.Ordinal);

    private static List<(string Hex, long Size)> InlineRows(string root)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(root, "db", "artifactstore.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sha256, size FROM inline_blobs ORDER BY sha256";
        using var reader = command.ExecuteReader();
        var rows = new List<(string, long)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return rows;
    }

    /// <summary>Whether the blob <paramref name="digest"/> (<c>sha256:…</c>) is held: as a file or inline.</summary>
    public static bool IsStored(string root, string digest)
    {
        var hex = digest["sha256:".Length..];
        return File.Exists(Path.Combine(root, "blobs", "sha256", hex[..2], hex[2..4], hex)) ||
               Scalar(root, $"SELECT COUNT(*) FROM inline_blobs WHERE sha256 = '{hex}'") > 0;
    }

    /// <summary>The views as text, read through a read-only connection.</summary>
    public static string ViewDump(string root)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(root, "db", "artifactstore.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        return ArtifactStore.Sqlite.SqliteViewDump.Dump(connection);
    }

    public static long Scalar(string root, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(root, "db", "artifactstore.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>With no server on the root: the views equal what replaying the event log produces.</summary>
    public static async Task AssertViewsEqualReplayAsync(string root)
    {
        await using var database = new ArtifactStore.Sqlite.SqliteStoreDatabase(Path.Combine(root, "db"), TimeProvider.System);
        await database.InitializeAsync(CancellationToken.None);
        var live = database.DumpViews();
        await database.RebuildViewsAsync(CancellationToken.None);
        Assert.Equal(live, database.DumpViews());
    }

    public static string Config(TempDirectory temp, string json)
    {
        var path = temp.Combine("config-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, json);
        return path;
    }
}
