namespace ArtifactStore.S3;

/// <summary>
/// Where and how the S3 blob store keeps blobs (configuration <c>Store:S3:*</c>, docs/s3.md). Only
/// <see cref="Bucket"/> is required; without <see cref="ServiceUrl"/> the store talks to AWS in
/// <see cref="Region"/>.
/// </summary>
public sealed record S3BlobStoreOptions
{
    /// <summary>The usual AWS environment variables, read when no key is configured.</summary>
    public const string AccessKeyVariable = "AWS_ACCESS_KEY_ID";

    /// <inheritdoc cref="AccessKeyVariable"/>
    public const string SecretKeyVariable = "AWS_SECRET_ACCESS_KEY";

    /// <summary>The endpoint of an S3-compatible server (for example <c>http://127.0.0.1:4568</c>); null for AWS itself.</summary>
    public string? ServiceUrl { get; init; }

    /// <summary>The bucket, which must exist: the store never creates or removes buckets.</summary>
    public string Bucket { get; init; } = "";

    /// <summary>Put in front of every key, so that several stores can share a bucket (a trailing <c>/</c> is added when missing).</summary>
    public string Prefix { get; init; } = "";

    /// <summary>The region requests are signed for; <c>us-east-1</c> when unset.</summary>
    public string? Region { get; init; }

    /// <summary>Path-style addressing (<c>http://host/bucket/key</c>), which most S3-compatible servers need.</summary>
    public bool ForcePathStyle { get; init; }

    /// <summary>The access key id; <c>AWS_ACCESS_KEY_ID</c> when unset.</summary>
    public string? AccessKey { get; init; }

    /// <summary>The secret access key; <c>AWS_SECRET_ACCESS_KEY</c> when unset.</summary>
    public string? SecretKey { get; init; }

    /// <summary>Blobs up to this size go up in one PUT; larger ones as a multipart upload.</summary>
    public long MultipartThreshold { get; init; } = 16 * 1024 * 1024;

    /// <summary>The size of each part of a multipart upload (S3 requires at least 5 MiB but for the last part).</summary>
    public long PartSize { get; init; } = 8 * 1024 * 1024;

    /// <summary>How long one request may take before it counts as failed (and the operation answers <c>storage_unavailable</c>).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the SDK retries a request that failed in a retryable way before giving up.</summary>
    public int MaxRetries { get; init; } = 2;

    /// <summary>The key prefix as used: empty, or ending in exactly one <c>/</c>.</summary>
    public string NormalizedPrefix => Prefix.Length == 0 || Prefix.EndsWith('/') ? Prefix : Prefix + "/";

    /// <summary>What is wrong with these options, or null when they can be used.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(Bucket))
        {
            return "Store:S3:Bucket is required";
        }

        if (ServiceUrl is not null && !Uri.TryCreate(ServiceUrl, UriKind.Absolute, out _))
        {
            return $"Store:S3:ServiceUrl '{ServiceUrl}' is not an absolute URL";
        }

        if (Prefix.StartsWith('/'))
        {
            return $"Store:S3:Prefix '{Prefix}' must not start with '/'";
        }

        if (PartSize < 5 * 1024 * 1024)
        {
            return "the part size of multipart uploads must be at least 5 MiB";
        }

        if (MultipartThreshold < PartSize)
        {
            return "the multipart threshold must be at least the part size";
        }

        return null;
    }
}
