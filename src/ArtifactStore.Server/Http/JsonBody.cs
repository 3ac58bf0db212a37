using System.Text.Json;
using System.Text.Unicode;
using ArtifactStore.Core.Encoding;
using ArtifactStore.Core.Errors;
using Microsoft.AspNetCore.Http;

namespace ArtifactStore.Server.Http;

/// <summary>
/// The one way an endpoint reads a JSON request body. It reads at most <see cref="MaxBytes"/> + 1 bytes
/// whether or not the client sent a length (a chunked body over the limit is 413, not buffered whole),
/// then holds the bytes to the API's rules in order: valid UTF-8 and well-formed JSON (else 400
/// <c>malformed_request</c>), an object (else 422), and <see cref="StrictJson"/> — no duplicate member,
/// no lone surrogate, no number beyond a double (else 422 naming the field). What an endpoint reads from
/// the element afterwards can therefore not throw.
/// </summary>
public static class JsonBody
{
    public const int MaxBytes = 64 * 1024;

    /// <summary>The body as a JSON object; an empty body is an empty object.</summary>
    public static Task<Result<JsonElement>> ReadObjectAsync(HttpContext context) => ReadObjectAsync(context, MaxBytes);

    /// <summary>The body as a JSON object of at most <paramref name="maxBytes"/> (a package's file list may be long).</summary>
    public static async Task<Result<JsonElement>> ReadObjectAsync(HttpContext context, int maxBytes)
    {
        var bytes = await ReadAtMostAsync(context, maxBytes);
        if (!bytes.IsSuccess)
        {
            return bytes.Error;
        }

        var body = bytes.Value;
        if (body.Length == 0)
        {
            return JsonDocument.Parse("{}").RootElement.Clone();
        }

        if (!Utf8.IsValid(body.Span))
        {
            return new StoreError(ErrorCodes.MalformedRequest, "the body is not valid UTF-8");
        }

        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(body);
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            return new StoreError(ErrorCodes.MalformedRequest, $"the body is not valid JSON: {e.Message}");
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return StoreError.Validation("the body must be a JSON object");
        }

        return StrictJson.Check(root, string.Empty) is { } problem ? StoreError.Validation(problem.Message, problem.Field) : root;
    }

    /// <summary>
    /// Reads the body up to <paramref name="maxBytes"/>; one byte more means it is too large, and the
    /// rest is never read. A declared length over the limit is refused before reading anything.
    /// </summary>
    public static async Task<Result<ReadOnlyMemory<byte>>> ReadAtMostAsync(HttpContext context, int maxBytes)
    {
        if (context.Request.ContentLength > maxBytes)
        {
            return StoreErrorsFor.TooLarge(maxBytes);
        }

        var buffer = new byte[maxBytes + 1];
        var total = 0;
        try
        {
            int read;
            while (total < buffer.Length && (read = await context.Request.Body.ReadAsync(buffer.AsMemory(total), context.RequestAborted)) > 0)
            {
                total += read;
            }
        }
        catch (BadHttpRequestException e)
        {
            return ClientFaults.ForStatus(e.StatusCode, $"the request body could not be read: {e.Message}");
        }

        return total > maxBytes ? StoreErrorsFor.TooLarge(maxBytes) : new ReadOnlyMemory<byte>(buffer, 0, total);
    }
}
