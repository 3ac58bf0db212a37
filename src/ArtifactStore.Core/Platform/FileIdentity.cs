namespace ArtifactStore.Core.Platform;

/// <summary>
/// What makes a file the same file whatever path reaches it (device and inode), and who owns it.
/// Two paths with equal identities are one file: a symlink, a bind mount or a second mount of the
/// same filesystem.
/// </summary>
internal sealed record FileIdentity(uint DeviceMajor, uint DeviceMinor, ulong Inode, uint OwnerUid)
{
    public bool IsSameFileAs(FileIdentity other) =>
        DeviceMajor == other.DeviceMajor && DeviceMinor == other.DeviceMinor && Inode == other.Inode;

    public bool IsOnSameDeviceAs(FileIdentity other) => DeviceMajor == other.DeviceMajor && DeviceMinor == other.DeviceMinor;

    public string Device => $"{DeviceMajor}:{DeviceMinor}";
}
