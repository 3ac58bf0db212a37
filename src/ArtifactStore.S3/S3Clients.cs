using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace ArtifactStore.S3;

/// <summary>
/// Builds the SDK client from <see cref="S3BlobStoreOptions"/>, set up for any S3-compatible server: no
/// checksum headers unless an operation requires them (many servers reject or ignore
/// <c>x-amz-checksum-*</c>), signed for one region, and bounded time and retries per request.
/// </summary>
public static class S3Clients
{
    public static AmazonS3Client Create(S3BlobStoreOptions options)
    {
        if (options.Validate() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        var region = string.IsNullOrEmpty(options.Region) ? "us-east-1" : options.Region;
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            Timeout = options.RequestTimeout,
            MaxErrorRetry = options.MaxRetries,
        };
        if (options.ServiceUrl is { } serviceUrl)
        {
            config.ServiceURL = serviceUrl;
            config.AuthenticationRegion = region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        return new AmazonS3Client(Credentials(options), config);
    }

    /// <summary>
    /// The configured keys, else the usual environment variables. Never the SDK's default chain: on a
    /// machine without keys it would ask an instance-metadata address, and a missing key should be a
    /// configuration error that says so.
    /// </summary>
    private static BasicAWSCredentials Credentials(S3BlobStoreOptions options)
    {
        var accessKey = options.AccessKey ?? Environment.GetEnvironmentVariable(S3BlobStoreOptions.AccessKeyVariable);
        var secretKey = options.SecretKey ?? Environment.GetEnvironmentVariable(S3BlobStoreOptions.SecretKeyVariable);
        if (string.IsNullOrEmpty(accessKey) || string.IsNullOrEmpty(secretKey))
        {
            throw new ArgumentException(
                $"no S3 credentials: set Store:S3:AccessKey and Store:S3:SecretKey, or {S3BlobStoreOptions.AccessKeyVariable} and {S3BlobStoreOptions.SecretKeyVariable}",
                nameof(options));
        }

        return new BasicAWSCredentials(accessKey, secretKey);
    }
}
