namespace ArtifactStore.Core.Jobs;

/// <summary>
/// A job to submit: its type, optional options (a JSON object) and its input — either an uploaded file
/// (in <see cref="Upload"/>, exactly one file part) or an existing package with exactly one file.
/// </summary>
public sealed record JobSubmission(string? Type, string? OptionsJson, Packages.PackageUpload? Upload, Guid? InputPackageId);
