using System.Net;
using ArtifactStore.Core.Security;
using Microsoft.AspNetCore.Http;

namespace ArtifactStore.Server.Http;

/// <summary>
/// The one place that decides what a caller without a token may do and see (docs/security.md), so that
/// authentication, the readiness report and <c>serve</c>'s start-up message cannot disagree:
/// <list type="bullet">
/// <item>The store is open to anonymous callers only while no active token exists AND the server
/// listens on loopback only (or <c>--allow-anonymous</c> was given). It is asked on every request, so
/// revoking the last token on a server that listens beyond loopback never re-opens it.</item>
/// <item>"Loopback only" is decided from the addresses the server actually bound, after binding, never
/// from the configured text: a host name such as <c>loopback</c> makes Kestrel bind every interface.
/// Until the bound addresses are known the server counts as listening beyond loopback.</item>
/// <item>Operational details (paths, process, disk figures) go only to callers with a valid token or
/// callers connecting from a loopback address.</item>
/// </list>
/// </summary>
public sealed class AnonymousAccess(bool allowedBeyondLoopback)
{
    private volatile IReadOnlyList<string>? _bound;

    /// <summary><c>serve --allow-anonymous</c>: the operator accepts an open store on a non-loopback listener.</summary>
    public bool AllowedBeyondLoopback { get; } = allowedBeyondLoopback;

    /// <summary>The bound addresses that are not loopback (every address while none is known yet).</summary>
    public IReadOnlyList<string> BeyondLoopback => _bound is { } bound ? bound.Where(a => !IsLoopbackAddress(a)).ToList() : ["(not bound yet)"];

    /// <summary>True once the server has bound at least one address and every bound address is loopback.</summary>
    public bool ListensOnLoopbackOnly => _bound is { Count: > 0 } bound && bound.All(IsLoopbackAddress);

    /// <summary>Whether the listener allows an open store at all (the token table decides the rest).</summary>
    public bool ListenerPermitsAnonymous => ListensOnLoopbackOnly || AllowedBeyondLoopback;

    /// <summary>Records the addresses the server actually bound (Kestrel's, after binding).</summary>
    public void Bound(IEnumerable<string> addresses) => _bound = addresses.ToList();

    /// <summary>Whether a request without a valid token may go on. Asked per request: tokens and listener both count now.</summary>
    public async Task<bool> PermitsAnonymousAsync(TokenService tokens, CancellationToken cancellationToken) =>
        ListenerPermitsAnonymous && !await tokens.AnyActiveAsync(cancellationToken);

    /// <summary>What <c>serve</c> does and says at start, given whether any token exists.</summary>
    public StartupExposure Decide(bool anyActiveToken) => (anyActiveToken, ListensOnLoopbackOnly, AllowedBeyondLoopback) switch
    {
        (true, _, _) => StartupExposure.TokensRequired,
        (false, true, _) => StartupExposure.AnonymousOnLoopback,
        (false, false, true) => StartupExposure.AnonymousEverywhere,
        (false, false, false) => StartupExposure.Refused,
    };

    /// <summary>Whether this caller may see operational details: a valid token, or a loopback connection.</summary>
    public static bool MaySeeDetails(HttpContext context, bool authenticated) => authenticated || IsLoopbackCaller(context);

    /// <summary>True when the TCP peer is a loopback address (forwarding headers are never trusted for this).</summary>
    public static bool IsLoopbackCaller(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } peer && IPAddress.IsLoopback(peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer);

    /// <summary>
    /// Whether a bound address (as Kestrel reports it, e.g. <c>http://127.0.0.1:5080</c>, <c>http://[::]:8080</c>)
    /// is loopback: a loopback IP, or Kestrel's <c>localhost</c>, which it binds on 127.0.0.1 and ::1 only. Any
    /// other host, wildcard or Unix socket counts as beyond loopback.
    /// </summary>
    public static bool IsLoopbackAddress(string address)
    {
        BindingAddress parsed;
        try
        {
            parsed = BindingAddress.Parse(address);
        }
        catch (FormatException)
        {
            return false;
        }

        if (parsed.IsUnixPipe || parsed.IsNamedPipe)
        {
            return false;
        }

        if (parsed.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(parsed.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip);
    }
}

/// <summary>How <c>serve</c> exposes the store, decided by <see cref="AnonymousAccess.Decide"/> from the bound addresses.</summary>
public enum StartupExposure
{
    /// <summary>Tokens exist: every API request needs one.</summary>
    TokensRequired,

    /// <summary>No tokens, every bound address is loopback: open to local callers.</summary>
    AnonymousOnLoopback,

    /// <summary>No tokens, beyond loopback, and <c>--allow-anonymous</c>: open to everyone who can connect.</summary>
    AnonymousEverywhere,

    /// <summary>No tokens, beyond loopback, no <c>--allow-anonymous</c>: refuse to serve.</summary>
    Refused,
}
