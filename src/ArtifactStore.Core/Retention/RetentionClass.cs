namespace ArtifactStore.Core.Retention;

/// <summary>A retention class: a name and how long packages in it are kept by default (null: forever).</summary>
public sealed record RetentionClass(string Name, TimeSpan? Duration)
{
    public DateTimeOffset? ExpiryFrom(DateTimeOffset createdAt) => Duration is { } d ? createdAt + d : null;
}
