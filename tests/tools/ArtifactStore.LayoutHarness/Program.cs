using System.Globalization;
using ArtifactStore.Core.Roots;
using ArtifactStore.LayoutHarness;

// Usage: ArtifactStore.LayoutHarness ROOT PROFILE [--pause-after N]
// Opens ROOT the way the server does (DataRoot.OpenOrCreate), with one test layout step, 0 → 1, that
// moves blobs from a flat blobs/<hex> (a pretend "layout 0") into the blobs/sha256/ab/cd/<hex> tree of
// layout 1. With --pause-after N it stops after moving N blobs and waits to be killed.
var root = args[0];
var profile = args[1];
var pauseAfter = args.Length > 3 && args[2] == "--pause-after" ? int.Parse(args[3], CultureInfo.InvariantCulture) : (int?)null;
var migrations = new LayoutMigrations(DataRoot.CurrentLayoutVersion, [new FlatBlobsToFanOut(pauseAfter)]);
var opened = DataRoot.OpenOrCreate(root, profile, "layout-harness", TimeProvider.System, new ArtifactStore.Embedded.EmbeddedBackend().Layout, migrations);
if (!opened.IsSuccess)
{
    Console.Error.WriteLine($"harness: {opened.Error}");
    return 3;
}

using var dataRoot = opened.Value;
foreach (var step in dataRoot.LayoutMigrationsApplied)
{
    Console.WriteLine($"harness: applied {step}");
}

Console.WriteLine($"harness: layout {dataRoot.Marker.LayoutVersion}");
return 0;
