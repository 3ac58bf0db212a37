using System.Text;

namespace ArtifactStore.Core.Jobs;

/// <summary>
/// The job listing (<c>GET /v1/jobs</c>, <see cref="JobQuery"/>) in SQL that SQLite and PostgreSQL read alike, as
/// <see cref="Oci.OciViewSql"/> is, so the filters and the paging cannot drift apart between backends: by state and
/// type, after the cursor, newest first, and one row more than the page to tell whether another follows. The SQL
/// names its parameters <c>@name</c>, which both take; <see cref="Build"/> returns the names without the <c>@</c>.
/// </summary>
public static class JobListSql
{
    /// <summary>The query selecting <paramref name="columns"/> from <c>jobs</c>, and its parameters.</summary>
    public static (string Sql, IReadOnlyList<(string Name, object? Value)> Parameters) Build(string columns, JobQuery query)
    {
        var sql = new StringBuilder($"SELECT {columns} FROM jobs WHERE 1 = 1");
        var parameters = new List<(string Name, object? Value)>();
        if (query.State is { } state)
        {
            sql.Append(" AND state = @state");
            parameters.Add(("state", JobStates.ToText(state)));
        }

        if (query.Type is { } type)
        {
            sql.Append(" AND type = @type");
            parameters.Add(("type", type));
        }

        if (query.Before is { } before)
        {
            sql.Append(" AND id < @before");
            parameters.Add(("before", before.ToString()));
        }

        sql.Append(" ORDER BY id DESC LIMIT @limit");
        parameters.Add(("limit", query.Limit + 1));
        return (sql.ToString(), parameters);
    }

    /// <summary>The page of the rows <see cref="Build"/>'s query read: the extra row, if any, only says another page follows.</summary>
    public static JobPage ToPage(IReadOnlyList<JobView> rows, JobQuery query)
    {
        var items = rows.Take(query.Limit).ToList();
        return new JobPage(items, rows.Count > query.Limit ? items[^1].Id : null);
    }
}
