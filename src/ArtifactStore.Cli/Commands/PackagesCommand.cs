using System.CommandLine;
using System.Globalization;
using ArtifactStore.Client;
using ArtifactStore.Contract;

namespace ArtifactStore.Cli.Commands;

/// <summary>
/// <c>artifactstore packages put|get|list|show</c>: packages for people and scripts, through a running server
/// (<c>--server</c> / ARTIFACTSTORE_URL, or the server that holds the data root). Output meant for scripts (an
/// id, <c>--json</c>) goes to stdout; progress and notes go to stderr.
/// </summary>
internal static class PackagesCommand
{
    public static Command Create() => new("packages", "Upload, download, list and show packages on a running server.")
    {
        Put(),
        Get(),
        List(),
        Show(),
    };

    private static Command Put()
    {
        var access = new StoreAccess();
        var paths = new Argument<string[]>("path") { Description = "Files or directories to upload (a directory's files keep their paths relative to it).", Arity = ArgumentArity.OneOrMore };
        var name = new Option<string>("--name") { Description = "The package name.", Required = true };
        var labels = new Option<string[]>("--label") { Description = "A label key=value (repeatable).", AllowMultipleArgumentsPerToken = false };
        var retentionClass = new Option<string?>("--class") { Description = "The retention class (default: the server's default class)." };
        var resumableFrom = new Option<long>("--resumable-from")
        {
            Description = "Upload through resumable sessions when a file is at least this many bytes (default 64 MiB); an interrupted upload then goes on where it stopped when the same command runs again.",
            DefaultValueFactory = _ => 64L * 1024 * 1024,
        };
        var chunkSize = new Option<int>("--chunk-size") { Description = "Bytes per request in a resumable upload (default 16 MiB).", DefaultValueFactory = _ => 16 * 1024 * 1024 };
        var command = new Command("put", "Upload files and directories as one package; prints only the package id on stdout.") { paths, name, labels, retentionClass, resumableFrom, chunkSize };
        access.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var parsedLabels = Labels.Parse(parse.GetValue(labels) ?? []);
            if (parsedLabels.Problem is { } labelProblem)
            {
                await Console.Error.WriteLineAsync($"artifactstore: {labelProblem}");
                return ExitCodes.Failed;
            }

            var files = UploadFiles.Collect(parse.GetValue(paths)!);
            if (files.Problem is { } fileProblem)
            {
                await Console.Error.WriteLineAsync($"artifactstore: {fileProblem}");
                return ExitCodes.Failed;
            }

            var chunkBytes = parse.GetValue(chunkSize);
            if (chunkBytes is < 1 or > MaxChunkBytes)
            {
                await Console.Error.WriteLineAsync($"artifactstore: --chunk-size must be from 1 to {MaxChunkBytes} bytes");
                return ExitCodes.Failed;
            }

            var resumable = files.Files.Any(f => new FileInfo(f.Source).Length >= parse.GetValue(resumableFrom));
            return await access.RunRemoteAsync(parse, async (client, http, token) =>
            {
                var (packageName, classValue) = (parse.GetValue(name)!, parse.GetValue(retentionClass));
                var package = resumable
                    ? await PutThroughSessionsAsync(client, http.BaseAddress!, files.Files, packageName, classValue, parsedLabels.Labels, chunkBytes, token)
                    : await PutInOneRequestAsync(client, files.Files, packageName, classValue, parsedLabels.Labels, token);
                Console.WriteLine(package.Id);
                return ExitCodes.Ok;
            }, ct);
        });
        return command;
    }

    /// <summary>The largest chunk <c>--chunk-size</c> accepts (one buffer of this size is held).</summary>
    private const int MaxChunkBytes = 256 * 1024 * 1024;

    /// <summary>Small uploads: every file in one multipart request.</summary>
    private static async Task<PackageDocument> PutInOneRequestAsync(
        ArtifactStoreClient client, List<UploadFiles.Entry> files, string name, string? retentionClass, IReadOnlyList<KeyValuePair<string, string>> labels, CancellationToken token)
    {
        var streams = new List<Stream>();
        try
        {
            foreach (var file in files)
            {
                var info = new FileInfo(file.Source);
                streams.Add(Progress.Wrap(info.OpenRead(), info.Length, $"uploading {file.PackagePath}"));
            }

            return await client.CreatePackageAsync(name, files.Select((f, i) => (f.PackagePath, streams[i])), retentionClass, labels, cancellationToken: token);
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Large uploads: each file through its own resumable session, then the package from the stored blobs. When a
    /// blob finished by an earlier run is gone (collected before this run referenced it), the files are sent again, once.
    /// </summary>
    private static async Task<PackageDocument> PutThroughSessionsAsync(
        ArtifactStoreClient client, Uri server, List<UploadFiles.Entry> files, string name, string? retentionClass,
        IReadOnlyList<KeyValuePair<string, string>> labels, int chunkBytes, CancellationToken token)
    {
        var idempotencyKey = Guid.NewGuid().ToString("N");
        for (var attempt = 1; ; attempt++)
        {
            var uploads = files.Select(f => new ResumableUpload(client, server, f, chunkBytes)).ToList();
            var stored = new List<StoredFile>();
            for (var i = 0; i < files.Count; i++)
            {
                stored.Add(new StoredFile(files[i].PackagePath, await uploads[i].RunAsync(token)));
            }

            try
            {
                var package = await client.CreatePackageFromBlobsAsync(name, stored, retentionClass, labels, idempotencyKey, token);
                uploads.ForEach(u => u.Forget());
                return package;
            }
            catch (ArtifactStoreException e) when (e.Code == "blob_unknown" && attempt == 1)
            {
                await Console.Error.WriteLineAsync($"artifactstore: {e.Detail}; sending the files again");
                uploads.ForEach(u => u.Forget());
            }
        }
    }

    private static Command Get()
    {
        var access = new StoreAccess();
        var id = new Argument<string>("id") { Description = "The package id." };
        var output = new Option<string?>("--out") { Description = "The directory to write the files into (default: ./<package id>); existing files are never overwritten." };
        var command = new Command("get", "Download every file of a package, verifying its sha256 and blake3 digests.") { id, output };
        access.AddTo(command);
        command.SetAction((parse, ct) => access.RunRemoteAsync(parse, (client, _, token) =>
        {
            var packageId = parse.GetValue(id)!;
            return PackageDownload.RunAsync(client, packageId, parse.GetValue(output) ?? packageId, token);
        }, ct));
        return command;
    }

    private static Command List()
    {
        var access = new StoreAccess();
        var name = new Option<string?>("--name") { Description = "Only packages with this name." };
        var labels = new Option<string[]>("--label") { Description = "Only packages with this label key=value (repeatable; all must match)." };
        var state = new Option<string?>("--state") { Description = "live (default) or deleted." };
        var limit = new Option<int?>("--limit") { Description = "At most this many packages, newest first (default: the server's page size)." };
        var json = new Option<bool>("--json") { Description = "Print the server's answer as JSON instead of a table." };
        var command = new Command("list", "List packages, newest first.") { name, labels, state, limit, json };
        access.AddTo(command);
        command.SetAction((parse, ct) => access.RunRemoteAsync(parse, async (client, http, token) =>
        {
            var parameters = new List<(string, string?)> { ("name", parse.GetValue(name)), ("state", parse.GetValue(state)), ("limit", Query.Number(parse.GetValue(limit))) };
            parameters.AddRange((parse.GetValue(labels) ?? []).Select(l => ("label", (string?)l)));
            var query = Query.Of([.. parameters]);
            if (parse.GetValue(json))
            {
                using var response = await http.GetAsync("v1/packages" + query, token);
                return await StoreAccess.PrintAsync(response, token);
            }

            var page = await client.ListPackagesAsync(query.TrimStart('?'), token);
            TextTable.Write(Console.Out, ["ID", "NAME", "STATE", "FILES", "SIZE", "CREATED", "EXPIRES"],
                page.Items.Select(p => new[]
                {
                    p.Id, p.Name, p.State, p.Files.Count.ToString(CultureInfo.InvariantCulture), Bytes(p.Files.Sum(f => f.Size)), p.CreatedAt, p.Retention.ExpiresAt ?? "never",
                }));
            if (page.NextCursor is not null)
            {
                await Console.Error.WriteLineAsync("artifactstore: more packages match; narrow the filters or raise --limit");
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Show()
    {
        var access = new StoreAccess();
        var id = new Argument<string>("id") { Description = "The package id." };
        var json = new Option<bool>("--json") { Description = "Print the server's answer as JSON." };
        var command = new Command("show", "Show a package: its labels, retention and files with both digests.") { id, json };
        access.AddTo(command);
        command.SetAction((parse, ct) => access.RunRemoteAsync(parse, async (client, http, token) =>
        {
            var packageId = parse.GetValue(id)!;
            if (parse.GetValue(json))
            {
                using var response = await http.GetAsync($"v1/packages/{Uri.EscapeDataString(packageId)}", token);
                return await StoreAccess.PrintAsync(response, token);
            }

            var p = await client.GetPackageAsync(packageId, token);
            TextTable.WriteFields(Console.Out,
            [
                ("id", p.Id),
                ("name", p.Name),
                ("state", p.State),
                ("created", $"{p.CreatedAt} by {p.CreatedBy}"),
                ("class", p.RetentionClass),
                ("expires", p.Retention.ExpiresAt ?? "never"),
                ("pinned", p.Retention.Pinned ? "yes" : "no"),
                ("eligible", p.Retention.EligibleForDeletion ? "yes (deleted by the next GC)" : "no"),
                ("labels", p.Labels.Count == 0 ? "-" : string.Join(", ", p.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"))),
                ("manifest", p.ManifestDigest),
            ]);
            Console.WriteLine();
            TextTable.Write(Console.Out, ["PATH", "SIZE", "SHA256", "BLAKE3"],
                p.Files.Select(f => new[] { f.Path, f.Size.ToString(CultureInfo.InvariantCulture), f.Sha256, f.Blake3 }));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>A size for people: bytes below 1 KiB, else KiB/MiB/GiB with one decimal.</summary>
    private static string Bytes(long bytes)
    {
        string[] units = ["KiB", "MiB", "GiB", "TiB"];
        if (bytes < 1024)
        {
            return $"{bytes.ToString(CultureInfo.InvariantCulture)} B";
        }

        var value = (double)bytes;
        var unit = -1;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return $"{value.ToString("0.0", CultureInfo.InvariantCulture)} {units[unit]}";
    }
}
