using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace ArtifactStore.Server.Http;

/// <summary>
/// What is left of a request body when a request fails before it was read to the end (an upload that met
/// a full disk, or a store that stopped answering). HTTP/1.1 has no way to tell a client to stop sending:
/// an answer written while the client still sends, followed by the server's own drain giving up, reaches
/// the client as a reset connection instead of the answer. So the rest of a modest body is read and thrown
/// away first, and the answer goes out after it; a body larger than <see cref="Cap"/> (or one that stops
/// arriving) is not waited for, and the answer says <c>Connection: close</c>.
/// </summary>
public static class UnreadBody
{
    /// <summary>At most this much of an abandoned body is read to deliver the answer on a healthy connection.</summary>
    public const long Cap = 64L * 1024 * 1024;

    /// <summary>How long the rest of the body may take to arrive.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>Reads and discards what the client still sends, up to the cap; closes the connection when it cannot.</summary>
    public static async Task DiscardAsync(HttpContext context)
    {
        if (!context.Request.Body.CanRead || context.Request.ContentLength == 0)
        {
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            using var patience = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            patience.CancelAfter(Patience);
            long discarded = 0;
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer, patience.Token)) > 0)
            {
                discarded += read;
                if (discarded > Cap)
                {
                    CloseAfterAnswer(context);
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or BadHttpRequestException or InvalidOperationException)
        {
            // The body cannot be read to its end (too slow, over a limit, cut off, or read elsewhere): answer anyway.
            CloseAfterAnswer(context);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void CloseAfterAnswer(HttpContext context)
    {
        if (!context.Response.HasStarted)
        {
            context.Response.Headers[HeaderNames.Connection] = "close";
        }
    }
}
