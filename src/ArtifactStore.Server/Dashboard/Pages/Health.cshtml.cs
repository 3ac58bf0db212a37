using ArtifactStore.Server.Hosting;
using ArtifactStore.Server.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ArtifactStore.Server.Dashboard.Pages;

/// <summary>
/// The readiness checks with their problems and remedies. Like <c>/health/ready</c> it answers in every state of
/// the store (it is a public endpoint for the readiness gate) and shows problems, remedies and details only to a
/// signed-in session or a loopback caller (<see cref="AnonymousAccess.MaySeeDetails"/>): they may name paths.
/// </summary>
[SignedOutAllowed]
public sealed class HealthModel : DashboardPageModel
{
    public ReadinessReport? Report { get; private set; }

    public bool Detailed { get; private set; }

    public async Task OnGetAsync()
    {
        Report = await HttpContext.RequestServices.GetRequiredService<ReadinessMonitor>().RefreshAsync(Aborted);
        Detailed = AnonymousAccess.MaySeeDetails(HttpContext, authenticated: Session is { Anonymous: false });
    }
}
