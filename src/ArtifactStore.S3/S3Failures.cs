using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using ArtifactStore.Core.Errors;

namespace ArtifactStore.S3;

/// <summary>
/// Every call to the object store goes through here, so that one rule decides what its failures mean:
/// "no such key" is an answer (null), the caller's own cancellation stays a cancellation, and anything
/// else (an error status, a refused connection, a time-out) is <see cref="StorageUnavailableException"/>,
/// which hosts answer 503 <c>storage_unavailable</c>.
/// </summary>
internal static class S3Failures
{
    /// <summary>Runs <paramref name="call"/>; a missing key gives <paramref name="whenMissing"/>.</summary>
    public static async Task<T> RunAsync<T>(string what, Func<Task<T>> call, T whenMissing, CancellationToken cancellationToken)
    {
        try
        {
            return await call();
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode is not "NoSuchBucket")
        {
            return whenMissing;
        }
        catch (Exception e) when (IsUnavailable(e, cancellationToken))
        {
            throw Unavailable(what, e);
        }
    }

    /// <summary>Runs <paramref name="call"/>, for which a missing key is a failure like any other.</summary>
    public static async Task<T> RunAsync<T>(string what, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (IsUnavailable(e, cancellationToken))
        {
            throw Unavailable(what, e);
        }
    }

    public static StorageUnavailableException Unavailable(string what, Exception cause) =>
        new($"{StorageUnavailable.Message} (S3 {what}: {Describe(cause)})", cause);

    /// <summary>The SDK's and the transport's failures; the caller's cancellation and programming errors pass through.</summary>
    private static bool IsUnavailable(Exception e, CancellationToken cancellationToken) =>
        e switch
        {
            StorageUnavailableException or StorageFullException => false,
            OperationCanceledException => !cancellationToken.IsCancellationRequested,
            AmazonServiceException or AmazonClientException or HttpRequestException or IOException or TimeoutException => true,
            _ => false,
        };

    private static string Describe(Exception e) =>
        e is AmazonServiceException service
            ? $"{(int)service.StatusCode} {service.ErrorCode}: {service.Message}".ReplaceLineEndings(" ")
            : e is OperationCanceledException ? "timed out" : e.Message.ReplaceLineEndings(" ");
}
