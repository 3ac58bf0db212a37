using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using ArtifactStore.Server.Hosting;

namespace ArtifactStore.EndToEnd.Tests;

/// <summary>
/// The rule of the README's architecture section: Core holds the domain and the ports; a backend's
/// types stay inside its adapter projects. The compiler records an assembly reference only for an
/// assembly whose types the code names, so reading the built assemblies' references proves the rule.
/// </summary>
public sealed class ArchitectureTests
{
    private static readonly string[] Adapters = ["ArtifactStore.Sqlite", "ArtifactStore.FileSystem", "ArtifactStore.Embedded", "ArtifactStore.Postgres", "ArtifactStore.S3", "ArtifactStore.ScaleOut"];

    [Fact]
    public void the_server_names_no_type_of_an_adapter()
    {
        var references = ReferencedAssemblies(typeof(StoreRuntime).Assembly.Location);
        Assert.Contains("ArtifactStore.Core", references);
        Assert.Empty(references.Intersect(Adapters));
    }

    [Fact]
    public void the_cli_names_no_type_of_an_adapter()
    {
        var references = ReferencedAssemblies(Cli.DllPath);
        Assert.Contains("ArtifactStore.Server", references);
        Assert.Empty(references.Intersect(Adapters));
    }

    [Fact]
    public void core_names_no_adapter_and_no_database_library()
    {
        var references = ReferencedAssemblies(typeof(Core.Storage.IStoreBackend).Assembly.Location);
        Assert.Empty(references.Intersect([.. Adapters, "Microsoft.Data.Sqlite", "Npgsql", "AWSSDK.S3"]));
    }

    [Fact]
    public void the_embedded_backend_is_found_by_name_and_ships_with_the_server()
    {
        var backend = StoreBackends.Find("embedded");
        Assert.Equal("embedded", backend.Name);
        Assert.Equal("ArtifactStore.Embedded", backend.GetType().Assembly.GetName().Name);
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(Cli.DllPath)!, "ArtifactStore.Embedded.dll")));
        Assert.NotNull(StoreBackends.Check("postgres"));
    }

    [Fact]
    public void the_scale_out_backend_is_found_by_name_and_ships_with_the_server()
    {
        var backend = StoreBackends.Find("scale-out");
        Assert.Equal("scale-out", backend.Name);
        Assert.Equal("ArtifactStore.ScaleOut", backend.GetType().Assembly.GetName().Name);
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(Cli.DllPath)!, "ArtifactStore.ScaleOut.dll")));
    }

    private static List<string> ReferencedAssemblies(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var metadata = pe.GetMetadataReader();
        return [.. metadata.AssemblyReferences.Select(h => metadata.GetString(metadata.GetAssemblyReference(h).Name))];
    }
}
