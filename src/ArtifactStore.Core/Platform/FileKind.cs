namespace ArtifactStore.Core.Platform;

/// <summary>The kinds of directory entry <see cref="RegularFiles"/> tells apart.</summary>
internal enum FileKind
{
    Missing,
    Regular,
    Directory,
    SymbolicLink,
    Fifo,
    Socket,
    CharacterDevice,
    BlockDevice,
    Unknown,
}
