namespace ArtifactStore.Core.Packages;

public enum PackageState
{
    Live,
    Deleted,
}
