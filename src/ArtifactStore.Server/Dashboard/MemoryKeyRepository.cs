using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace ArtifactStore.Server.Dashboard;

/// <summary>
/// Keeps the data-protection key ring (which protects the dashboard's antiforgery tokens) in memory: nothing is
/// written to the home directory or the data root, which also suits a read-only container. A restart makes new
/// keys, so a form left open across it must be sent again.
/// </summary>
internal sealed class MemoryKeyRepository : IXmlRepository
{
    private readonly Lock _lock = new();
    private readonly List<XElement> _elements = [];

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        lock (_lock)
        {
            return [.. _elements.Select(e => new XElement(e))];
        }
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        lock (_lock)
        {
            _elements.Add(new XElement(element));
        }
    }
}
