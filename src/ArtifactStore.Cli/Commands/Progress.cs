namespace ArtifactStore.Cli.Commands;

/// <summary>Progress for people at a terminal; a script or a pipe reading stderr gets none of it.</summary>
internal static class Progress
{
    public static Stream Wrap(Stream stream, long total, string label) =>
        Console.IsErrorRedirected ? stream : new ProgressStream(stream, total, label);
}
