using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ArtifactStore.Client;

namespace ArtifactStore.Cli.Commands;

/// <summary>
/// One file sent through an upload session (docs/upload.md, "Upload sessions"), resumable with no flag: the session's
/// URL is kept in the user's cache directory under a key made of the server, the file's path, size and modification
/// time, so a second run of the same command after the client was killed, or while the server restarts, goes on from
/// the offset the server holds. The file's SHA-256 is computed locally (the skipped prefix is read again) and sent
/// with the finishing request, so the server stores the blob only if it received exactly the file.
/// </summary>
internal sealed class ResumableUpload(ArtifactStoreClient client, Uri server, UploadFiles.Entry file, int chunkBytes)
{
    /// <summary>How long to keep trying while the server cannot be reached (it may be restarting).</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    private readonly FileInfo _info = new(file.Source);

    /// <summary>Where the state of unfinished uploads is kept: <c>$XDG_CACHE_HOME/artifactstore/uploads</c> (or <c>~/.cache/…</c>).</summary>
    public static string StateDirectory =>
        Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } cache
            ? cache
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "artifactstore", "uploads");

    private string StatePath
    {
        get
        {
            var key = $"{server}\n{file.Source}\n{_info.Length}\n{_info.LastWriteTimeUtc.Ticks}";
            return Path.Combine(StateDirectory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..32] + ".json");
        }
    }

    /// <summary>Sends the file (resuming an earlier session for it when there is one); returns its blob's digest.</summary>
    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var state = ReadState();
        if (state?.Digest is { } finished)
        {
            return finished;
        }

        string? location = null;
        long offset = 0;
        if (state?.Location is { } earlier && await PatientlyAsync(() => client.GetUploadOffsetAsync(earlier, cancellationToken), cancellationToken) is { } held)
        {
            (location, offset) = (earlier, held);
            await Console.Error.WriteLineAsync($"artifactstore: resuming the upload of {file.PackagePath} at byte {offset} of {_info.Length}");
        }

        if (location is null)
        {
            location = (await PatientlyAsync(() => client.CreateUploadAsync(cancellationToken), cancellationToken)).Location;
            WriteState(new State(location, null));
        }

        var digest = await SendAsync(location, offset, cancellationToken);
        var blob = await PatientlyAsync(() => client.FinishUploadAsync(location, digest, cancellationToken), cancellationToken);
        WriteState(new State(location, blob.Digest));
        return blob.Digest;
    }

    /// <summary>Forgets the file's state (after its package was created, or when its finished blob is gone).</summary>
    public void Forget() => File.Delete(StatePath);

    /// <summary>Sends the bytes from <paramref name="offset"/> on; returns the file's SHA-256.</summary>
    private async Task<string> SendAsync(string location, long offset, CancellationToken cancellationToken)
    {
        await using var source = new FileStream(file.Source, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = new byte[chunkBytes];
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long hashed = 0; // the digest covers [0, hashed), and the file is read from there
        while (true)
        {
            if (hashed > offset)
            {
                // The server holds less than this side sent (it lost a chunk it had not recorded): start the digest again.
                sha256.GetHashAndReset();
                hashed = 0;
            }

            source.Position = hashed;
            // Bytes the server already holds are read for the digest only.
            while (hashed < offset)
            {
                var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, offset - hashed)), cancellationToken);
                if (read == 0)
                {
                    throw new IOException($"{file.Source} became shorter while it was being uploaded");
                }

                sha256.AppendData(buffer, 0, read);
                hashed += read;
            }

            var length = await source.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
            if (length == 0)
            {
                return "sha256:" + Convert.ToHexStringLower(sha256.GetHashAndReset());
            }

            try
            {
                var next = await client.AppendUploadAsync(location, offset, buffer.AsMemory(0, length), cancellationToken);
                if (next == offset + length)
                {
                    sha256.AppendData(buffer, 0, length);
                    hashed += length;
                }

                offset = next;
            }
            catch (Exception e) when (e is HttpRequestException or ArtifactStoreException { Status: 416 or >= 500 } ||
                                      (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // The server restarted, or holds another offset than this side thinks: ask it where to go on.
                await Console.Error.WriteLineAsync($"artifactstore: the upload of {file.PackagePath} was interrupted ({e.Message}); asking the server where to resume");
                offset = await PatientlyAsync(() => client.GetUploadOffsetAsync(location, cancellationToken), cancellationToken)
                    ?? throw new ArtifactStoreException(404, "upload_not_found", "the upload session is gone (expired?); run the command again to start over");
                await Console.Error.WriteLineAsync($"artifactstore: resuming the upload of {file.PackagePath} at byte {offset}");
            }
        }
    }

    /// <summary>Runs <paramref name="call"/>, trying again while the server cannot be reached or is restarting, for at most <see cref="Patience"/>.</summary>
    private static async Task<T> PatientlyAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        var giveUpAt = DateTime.UtcNow + Patience;
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when ((e is HttpRequestException or ArtifactStoreException { Status: >= 500 } || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
                                      && DateTime.UtcNow < giveUpAt)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            }
        }
    }

    private State? ReadState()
    {
        try
        {
            return JsonSerializer.Deserialize<State>(File.ReadAllBytes(StatePath));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return null;
        }
    }

    private void WriteState(State state)
    {
        Directory.CreateDirectory(StateDirectory);
        var temp = StatePath + ".tmp";
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(state));
        File.Move(temp, StatePath, overwrite: true);
    }

    /// <summary>What is kept between runs: the session's URL, and once finished, the blob's digest.</summary>
    private sealed record State(string? Location, string? Digest);
}
