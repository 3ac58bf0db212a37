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
