using Microsoft.AspNetCore.Http;

namespace ArtifactStore.Server.Http;

/// <summary>
/// Gives every request an id, echoed in <c>X-Request-Id</c>, in problem documents and in log
/// scopes. A well-formed id sent by the client is kept so that traces join up.
/// </summary>
public static class RequestIds
{
    public const string Header = "X-Request-Id";
    private const string ItemKey = "artifactstore.request_id";

    public static string Of(HttpContext context) =>
        context.Items.TryGetValue(ItemKey, out var id) && id is string text ? text : context.TraceIdentifier;

    public static string Assign(HttpContext context)
    {
        var incoming = context.Request.Headers[Header].ToString();
        var id = incoming.Length is > 0 and <= 128 && incoming.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? incoming
            : Guid.CreateVersion7().ToString("N");
        context.Items[ItemKey] = id;
        context.Response.Headers[Header] = id;
        return id;
    }
}
