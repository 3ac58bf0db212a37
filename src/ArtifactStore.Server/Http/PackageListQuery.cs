using System.Globalization;
using System.Text;
using ArtifactStore.Core.Errors;
using ArtifactStore.Core.Ids;
using ArtifactStore.Core.Packages;
using Microsoft.AspNetCore.Http;

namespace ArtifactStore.Server.Http;

/// <summary>Reads the query string of <c>GET /v1/packages</c>: name, label (repeatable), state, cursor, limit.</summary>
public static class PackageListQuery
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static Result<PackageQuery> Parse(IQueryCollection query)
    {
        var labels = new List<KeyValuePair<string, string>>();
        foreach (var label in query["label"])
        {
            var equals = label?.IndexOf('=', StringComparison.Ordinal) ?? -1;
            if (label is null || equals <= 0)
            {
                return StoreError.Validation($"label filter '{label}' must have the form key=value", "label");
            }

            // A filter no stored package could match is a mistake worth naming, not an empty page.
            if (PackageValidation.CheckLabel(label[..equals], label[(equals + 1)..]) is { } labelProblem)
            {
                return StoreError.Validation(labelProblem, "label");
            }

            labels.Add(KeyValuePair.Create(label[..equals], label[(equals + 1)..]));
        }

        var state = query["state"].ToString() switch
        {
            "" or "live" => PackageState.Live,
            "deleted" => PackageState.Deleted,
            var other => (PackageState?)null,
        };
        if (state is null)
        {
            return StoreError.Validation("state must be 'live' or 'deleted'", "state");
        }

        var paging = ReadPaging(query);
        if (!paging.IsSuccess)
        {
            return paging.Error;
        }

        var name = query["name"].ToString();
        if (name.Length > 0 && PackageValidation.CheckName(name) is { } nameProblem)
        {
            return StoreError.Validation(nameProblem, "name");
        }

        return new PackageQuery(name.Length > 0 ? name : null, labels, state.Value, paging.Value.Before, paging.Value.Limit);
    }

    /// <summary>The <c>limit</c> and <c>cursor</c> parameters every listing shares (packages, jobs).</summary>
    public static Result<(int Limit, Guid? Before)> ReadPaging(IQueryCollection query)
    {
        var limit = DefaultLimit;
        var limitText = query["limit"].ToString();
        if (limitText.Length > 0 && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            return StoreError.Validation($"limit must be a whole number from 1 to {MaxLimit}", "limit");
        }

        var cursor = query["cursor"].ToString();
        if (cursor.Length == 0)
        {
            return (limit, (Guid?)null);
        }

        return TryReadCursor(cursor, out var id)
            ? (limit, id)
            : StoreError.Validation("cursor is not one this server issued", "cursor");
    }

    /// <summary>An opaque cursor: the last id of a page, base64url-encoded.</summary>
    public static string Cursor(Guid last) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(CanonicalId.ToText(last))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryReadCursor(string cursor, out Guid id)
    {
        id = Guid.Empty;
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            return CanonicalId.TryParse(Encoding.ASCII.GetString(Convert.FromBase64String(padded)), out id);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
