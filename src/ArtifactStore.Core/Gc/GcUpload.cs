namespace ArtifactStore.Core.Gc;

/// <summary>An expired upload session GC removed (or would remove), and the bytes it held.</summary>
public sealed record GcUpload(Guid UploadId, long Bytes);
