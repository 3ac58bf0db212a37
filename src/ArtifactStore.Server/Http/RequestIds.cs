using System.Buffers.Binary;
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
            : NewId();
        context.Items[ItemKey] = id;
        context.Response.Headers[Header] = id;
        return id;
    }

    /// <summary>
    /// A UUIDv7 as 32 hex digits: the time in milliseconds, then random bits. <see cref="Guid.CreateVersion7()"/> draws
    /// its random bits from the operating system, one system call per request; an id only has to be unique, not
    /// unpredictable, so the random bits come from <see cref="Random.Shared"/> (docs/performance.md, "Downloads").
    /// </summary>
    internal static string NewId()
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteInt64BigEndian(bytes, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() << 16);
        Random.Shared.NextBytes(bytes[6..]);
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F));
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return Convert.ToHexStringLower(bytes);
    }
}
