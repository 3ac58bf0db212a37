namespace ArtifactStore.Server.Dashboard;

/// <summary>
/// Endpoint metadata on every dashboard page and asset. The API's bearer-token middleware
/// (<see cref="Http.Authentication"/>) lets these through: the dashboard authenticates by its own session cookie
/// (<see cref="DashboardSession"/>, checked by <see cref="DashboardAccessFilter"/>), with the same tokens, roles and
/// anonymous rule. The cookie is never accepted by the API, so a browser session cannot be used to call <c>/v1</c>.
/// </summary>
public sealed record DashboardPage;
