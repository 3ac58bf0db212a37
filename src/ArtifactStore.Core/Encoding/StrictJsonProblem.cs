namespace ArtifactStore.Core.Encoding;

/// <summary>A rule of <see cref="StrictJson"/> that a document breaks: the field (a path such as <c>options.mode</c>) and why.</summary>
public sealed record StrictJsonProblem(string Field, string Message);
