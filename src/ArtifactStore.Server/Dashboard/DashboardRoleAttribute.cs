using ArtifactStore.Core.Security;

namespace ArtifactStore.Server.Dashboard;

/// <summary>
/// The least role a dashboard page (on its model class) or action (on a handler method) needs — the same role the
/// matching <c>/v1</c> endpoint needs. <see cref="DashboardAccessFilter"/> refuses a weaker session with 403,
/// whatever the page showed: hiding a button is presentation, this is the rule.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class DashboardRoleAttribute(Role role) : Attribute
{
    public Role Role { get; } = role;
}

/// <summary>A dashboard page that answers without a session (sign-in itself, and the health page's public part).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SignedOutAllowedAttribute : Attribute;
