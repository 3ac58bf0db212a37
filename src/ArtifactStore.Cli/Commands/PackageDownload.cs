using ArtifactStore.Client;
using ArtifactStore.Contract;
using ArtifactStore.Core.Blobs;

namespace ArtifactStore.Cli.Commands;

/// <summary>
/// Downloads every file of a package into a directory and checks both digests the package's file list
/// gives (sha256 and blake3). Each file is written under a temporary name next to its place and moved
/// there only once both digests match, so a corrupt or interrupted download never leaves a file that
/// looks complete.
/// </summary>
internal static class PackageDownload
{
    private const string PartialSuffix = ".artifactstore-partial";

    public static async Task<int> RunAsync(ArtifactStoreClient client, string packageId, string outDirectory, CancellationToken cancellationToken)
    {
        var package = await client.GetPackageAsync(packageId, cancellationToken);
        var root = Path.GetFullPath(outDirectory);
        var targets = new List<(PackageFileDocument File, string Target)>();
        foreach (var file in package.Files)
        {
            var target = Path.GetFullPath(Path.Combine(root, file.Path));
            if (!target.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                await Console.Error.WriteLineAsync($"artifactstore: package {package.Id} names a file outside the output directory ('{file.Path}'); nothing was written");
                return ExitCodes.Failed;
            }

            if (File.Exists(target) || Directory.Exists(target))
            {
                await Console.Error.WriteLineAsync($"artifactstore: {target} already exists; nothing was written (choose another --out)");
                return ExitCodes.Failed;
            }

            targets.Add((file, target));
        }

        foreach (var (file, target) in targets)
        {
            if (await DownloadAsync(client, package.Id, file, target, cancellationToken) is { } problem)
            {
                await Console.Error.WriteLineAsync($"artifactstore: {file.Path}: {problem}");
                return ExitCodes.Failed;
            }
        }

        await Console.Error.WriteLineAsync($"artifactstore: {targets.Count} file(s) of package {package.Id} written to {root}, both digests verified");
        return ExitCodes.Ok;
    }

    /// <summary>Null when the file is in place and verified, else why not (nothing is left under <paramref name="target"/>).</summary>
    private static async Task<string?> DownloadAsync(ArtifactStoreClient client, string packageId, PackageFileDocument file, string target, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var partial = target + PartialSuffix;
        var moved = false;
        try
        {
            using var digester = new DualDigester();
            await using (var destination = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None))
            await using (var hashing = new DigestingStream(destination, digester))
            {
                await using var shown = Progress.Wrap(hashing, file.Size, $"downloading {file.Path}");
                await client.DownloadFileAsync(packageId, file.Path, shown, cancellationToken);
                await destination.FlushAsync(cancellationToken);
            }

            var (sha256, blake3Hex) = digester.Finish();
            if (digester.Length != file.Size)
            {
                return $"received {digester.Length} bytes, the package says {file.Size}; the file was not kept";
            }

            if (!string.Equals(sha256.ToString(), file.Sha256, StringComparison.Ordinal))
            {
                return $"digest mismatch: sha256 is {sha256}, the package says {file.Sha256}; the file was not kept";
            }

            if (!string.Equals("blake3:" + blake3Hex, file.Blake3, StringComparison.Ordinal))
            {
                return $"digest mismatch: blake3 is blake3:{blake3Hex}, the package says {file.Blake3}; the file was not kept";
            }

            File.Move(partial, target, overwrite: false);
            moved = true;
            return null;
        }
        catch (ArtifactStoreException e)
        {
            // The server refused this file (a blob that fails its check on the server is blob_corrupt).
            return $"the server answered {e.Status}: {e.Code}: {e.Detail}; the file was not kept";
        }
        catch (IOException e)
        {
            // A transfer cut short (the server stops sending a blob that fails its own check) ends here.
            return $"the download failed: {e.Message}; the file was not kept";
        }
        finally
        {
            if (!moved)
            {
                File.Delete(partial);
            }
        }
    }
}
