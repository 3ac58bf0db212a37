using ArtifactStore.Core.Errors;
using ArtifactStore.Server.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace ArtifactStore.Server.Dashboard.Pages;

/// <summary>
/// A file's download for a signed-in browser (the API wants a bearer token, which a page cannot send): the same
/// verified read as <c>GET /v1/packages/{id}/files/{path}</c> (<see cref="BlobResponses"/>), with the same
/// presentation of active content as sandboxed attachments.
/// </summary>
public sealed class DownloadModel(ILoggerFactory loggers) : DashboardPageModel
{
    public async Task<IActionResult> OnGetAsync(string id, string path)
    {
        var packageId = RouteIds.Package(id);
        var package = packageId.IsSuccess ? await Store.Packages.GetAsync(packageId.Value, Aborted) : packageId.Error;
        if (!package.IsSuccess)
        {
            await Problems.WriteAsync(HttpContext, package.Error);
            return new EmptyResult();
        }

        if (package.Value.FindFile(path) is not { } file)
        {
            await Problems.WriteAsync(HttpContext, new StoreError(ErrorCodes.FileNotFound, $"package {Show.Id(package.Value.Id)} has no file '{path}'"));
            return new EmptyResult();
        }

        await BlobResponses.SendAsync(HttpContext, Store.BlobReader, file.Sha256, file.Size, file.MediaType,
            loggers.CreateLogger("ArtifactStore.Blobs"), fileName: Path.GetFileName(file.Path), blake3Hex: file.Blake3Hex);
        return new EmptyResult();
    }
}
