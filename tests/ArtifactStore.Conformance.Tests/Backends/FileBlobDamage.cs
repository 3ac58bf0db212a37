namespace ArtifactStore.Conformance.Tests.Backends;

/// <summary>Damage done to a blob kept as a file, behind the store's back (for <see cref="TestBackend.CorruptBlobAsync"/>).</summary>
internal static class FileBlobDamage
{
    /// <summary>Flips one bit of the file at <paramref name="offset"/> and moves its modification time, the version of filesystem bytes.</summary>
    public static async Task FlipBitAsync(string path, long offset)
    {
        var before = File.GetLastWriteTimeUtc(path);
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = offset;
            var b = file.ReadByte();
            file.Position = offset;
            file.WriteByte((byte)(b ^ 0x01));
        }

        // Make sure the version moved even on a coarse clock.
        File.SetLastWriteTimeUtc(path, before.AddSeconds(5));
    }
}
