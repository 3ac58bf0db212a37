using System.Text;
using System.Text.Json;
using ArtifactStore.Core.Errors;
using Microsoft.AspNetCore.Http;

namespace ArtifactStore.Server.Http;

/// <summary>
/// Which exceptions are the client's fault, and the problem each becomes. Everything the HTTP stack and
/// the parsers throw for bytes that cannot be read lands here, so no parse failure can surface as a 500.
/// </summary>
public static class ClientFaults
{
    /// <summary>The problem (and status) for <paramref name="exception"/> when the client caused it; null otherwise.</summary>
    public static (StoreError Error, int Status)? Classify(Exception exception) => exception switch
    {
        MalformedRequestException malformed => (malformed.Error, Problems.StatusFor(malformed.Error.Code)),
        // Kestrel's own: broken chunking, a body cut short, a body over its size limit, a too slow client.
        BadHttpRequestException bad => (ForStatus(bad.StatusCode, $"the request could not be read: {bad.Message}"), bad.StatusCode),
        // The multipart reader's, the JSON reader's and strict UTF-8 decoding's verdicts on request bytes.
        InvalidDataException or JsonException or DecoderFallbackException =>
            (new StoreError(ErrorCodes.MalformedRequest, $"the request body could not be read: {exception.Message}"), StatusCodes.Status400BadRequest),
        _ => null,
    };

    /// <summary>The problem for an error status the HTTP stack set without a body (404 of no route, 405, Kestrel's 4xx).</summary>
    public static StoreError ForStatus(int status, string message) => status switch
    {
        StatusCodes.Status400BadRequest => new StoreError(ErrorCodes.MalformedRequest, message),
        StatusCodes.Status401Unauthorized => new StoreError(ErrorCodes.Unauthorized, message),
        StatusCodes.Status403Forbidden => new StoreError(ErrorCodes.Forbidden, message),
        StatusCodes.Status404NotFound => new StoreError(ErrorCodes.NotFound, message),
        StatusCodes.Status405MethodNotAllowed => new StoreError(ErrorCodes.MethodNotAllowed, message),
        StatusCodes.Status413PayloadTooLarge => new StoreError(ErrorCodes.PayloadTooLarge, message),
        >= 500 => new StoreError(ErrorCodes.Internal, message),
        _ => new StoreError(ErrorCodes.RequestRejected, message),
    };
}
