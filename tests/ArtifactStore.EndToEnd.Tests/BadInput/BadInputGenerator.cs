using System.Text;

namespace ArtifactStore.EndToEnd.Tests.BadInput;

/// <summary>
/// Generates malformed requests for every endpoint of the API (<see cref="Routes"/>; a test checks the list
/// against the server's route table): odd ids and paths, broken multipart bodies, bodies that are not
/// UTF-8 or hold lone surrogates, duplicate keys, numbers out of range, oversized bodies with a length and
/// chunked, non-RFC 3339 times, bad query values — and, from a seed, random mutations of them.
/// </summary>
internal sealed class BadInputGenerator(Guid packageId)
{
    private const string Boundary = "b0undary";

    /// <summary>Every route the generator covers, as "METHOD pattern" the way the route table spells it.</summary>
    public static readonly string[] Routes =
    [
        "GET /health/live", "GET /health/ready",
        "POST /v1/packages", "GET /v1/packages", "GET /v1/packages/{id}", "GET /v1/packages/{id}/manifest",
        "GET /v1/packages/{id}/files/{**path}", "HEAD /v1/packages/{id}/files/{**path}",
        "GET /v1/packages/{id}/retention", "GET /v1/packages/{id}/retention/history",
        "POST /v1/packages/{id}/retention/extensions", "POST /v1/packages/{id}/retention/holds",
        "POST /v1/packages/{id}/retention/holds/{holdId}/release",
        "POST /v1/packages/{id}/retention/pin", "POST /v1/packages/{id}/retention/unpin",
        "POST /v1/admin/retention/sweep", "POST /v1/admin/gc",
        "GET /v1/admin/tokens", "POST /v1/admin/tokens", "POST /v1/admin/tokens/{name}/revoke",
        "GET /v1/blobs/{digest}", "HEAD /v1/blobs/{digest}", "GET /v1/events", "GET /v1/events/stream",
        "POST /v1/jobs", "GET /v1/jobs", "GET /v1/jobs/{id}", "GET /v1/jobs/{id}/logs",
        "POST /v1/jobs/{id}/cancel", "POST /v1/jobs/{id}/pin", "POST /v1/jobs/{id}/unpin",
        "POST /v1/uploads", "GET /v1/uploads/{id}", "HEAD /v1/uploads/{id}", "PATCH /v1/uploads/{id}", "PUT /v1/uploads/{id}", "DELETE /v1/uploads/{id}",
        "GET /v2/{**path}", "HEAD /v2/{**path}", "POST /v2/{**path}", "PUT /v2/{**path}", "PATCH /v2/{**path}", "DELETE /v2/{**path}",
    ];

    // Other spellings of a valid id: only routes whose parameter is an id refuse them (a token name or a
    // digest is not a GUID, so there the case says nothing).
    private static readonly HashSet<string> GuidSpellings =
    [
        "id in upper case", "id in braces", "id in parentheses", "id without hyphens", "id with surrounding whitespace",
    ];

    private static readonly string[] JsonPostRoutes =
    [
        "/v1/packages/{id}/retention/extensions", "/v1/packages/{id}/retention/holds", "/v1/packages/{id}/retention/holds/{holdId}/release",
        "/v1/packages/{id}/retention/pin", "/v1/packages/{id}/retention/unpin", "/v1/admin/tokens", "/v1/jobs/{id}/pin", "/v1/jobs/{id}/unpin", "/v1/jobs",
    ];

    /// <summary>The fixed cases: every kind of bad input for every endpoint it applies to.</summary>
    public IEnumerable<BadRequest> Fixed()
    {
        foreach (var route in Routes)
        {
            var method = route[..route.IndexOf(' ', StringComparison.Ordinal)];
            var pattern = route[(method.Length + 1)..];
            foreach (var request in OddIds(method, pattern))
            {
                yield return request;
            }
        }

        foreach (var route in JsonPostRoutes)
        {
            foreach (var request in BadJson(Fill(route)))
            {
                yield return request;
            }
        }

        foreach (var request in BadMultipart("/v1/packages").Concat(BadMultipart("/v1/jobs")).Concat(BadOptions()).Concat(BadTimes()).Concat(BadQueries()))
        {
            yield return request;
        }

        foreach (var request in OddPaths())
        {
            yield return request;
        }
    }

    /// <summary>Random mutations of refused requests; every one must still be refused.</summary>
    public IEnumerable<BadRequest> Random(int seed, int count)
    {
        var rng = new Random(seed);
        var seeds = Fixed().Where(r => r.Expect == Expect.Refused && r.Body is { Length: > 0 and < 100_000 } && Mutable(r)).ToList();
        for (var i = 0; i < count; i++)
        {
            if (rng.Next(4) == 0)
            {
                yield return RandomPath(rng, i);
                continue;
            }

            var basis = seeds[rng.Next(seeds.Count)];
            var body = basis.Body!.ToList();
            var edits = 1 + rng.Next(3);
            for (var e = 0; e < edits && body.Count > 0; e++)
            {
                var at = rng.Next(body.Count);
                switch (rng.Next(6))
                {
                    case 0:
                        body[at] = (byte)rng.Next(256);
                        break;
                    case 1:
                        body.RemoveRange(at, Math.Min(body.Count - at, 1 + rng.Next(16)));
                        break;
                    case 2:
                        body.InsertRange(at, Pick(rng, [[0xff], [0xc3], [0xed, 0xa0, 0x80], "\\ud800"u8.ToArray(), "1e400"u8.ToArray(), "\r\n"u8.ToArray(), "--"u8.ToArray(), "\""u8.ToArray(), [0]]));
                        break;
                    case 3:
                        body.RemoveRange(at, body.Count - at);
                        break;
                    case 4:
                        body.InsertRange(at, body.GetRange(at, Math.Min(body.Count - at, 1 + rng.Next(32))));
                        break;
                    default:
                        body.Reverse(at, Math.Min(body.Count - at, 1 + rng.Next(8)));
                        break;
                }
            }

            yield return basis with { Case = $"mutation {i} of '{basis.Case}'", Body = [.. body], Chunked = rng.Next(2) == 0 };
        }
    }

    // Ids and path parameters in every odd spelling, on every route that takes them.
    private IEnumerable<BadRequest> OddIds(string method, string pattern)
    {
        var id = packageId.ToString();
        var idForms = new (string Case, string Value, Expect Expect)[]
        {
            ("id that is not a GUID", "not-a-guid", Expect.Refused),
            ("id with invalid UTF-8", "%FF%FE", Expect.Refused),
            ("id with a dot", "x.json", Expect.Refused),
            ("id of two dots", "%2e%2e", Expect.Refused),
            ("id of 3000 characters", new string('a', 3000), Expect.Refused),
            ("id with an encoded slash", "a%2Fb", Expect.Refused),
            ("id with an encoded NUL", "%00", Expect.KestrelRejects),
            ("id in upper case", id.ToUpperInvariant(), Expect.Refused),
            ("id in braces", "%7B" + id + "%7D", Expect.Refused),
            ("id in parentheses", "(" + id + ")", Expect.Refused),
            ("id without hyphens", packageId.ToString("N"), Expect.Refused),
            ("id with surrounding whitespace", "%20" + id + "%20", Expect.Refused),
        };
        // The OCI routes (/v2/{**path}) have no id to spell oddly: their paths are parsed, not routed, and the OCI tests cover them.
        if (!pattern.Contains('{', StringComparison.Ordinal) || pattern.StartsWith("/v2/", StringComparison.Ordinal))
        {
            yield break;
        }

        foreach (var (what, value, expect) in idForms)
        {
            var target = pattern.Replace("{id}", value, StringComparison.Ordinal)
                .Replace("{holdId}", value, StringComparison.Ordinal)
                .Replace("{name}", value, StringComparison.Ordinal)
                .Replace("{digest}", value, StringComparison.Ordinal)
                .Replace("{**path}", "a.txt", StringComparison.Ordinal);
            if (!pattern.Contains("{id}", StringComparison.Ordinal) && GuidSpellings.Contains(what))
            {
                continue;
            }

            // Never a valid body: a retention action without a reason changes nothing.
            yield return new BadRequest($"{what}", method, target, method == "POST" ? "{}"u8.ToArray() : null, Expect: expect);
        }
    }

    private static IEnumerable<BadRequest> OddPaths()
    {
        yield return new BadRequest("unknown path ending in .json", "GET", "/v1/x.json");
        yield return new BadRequest("unknown root file", "GET", "/openapi.json");
        yield return new BadRequest("path normalised from ../", "GET", "/v1/packages/../../openapi.json");
        yield return new BadRequest("path with an encoded NUL", "GET", "/v1/pack%00ages", Expect: Expect.KestrelRejects);
        yield return new BadRequest("path with invalid UTF-8", "GET", "/v1/%C3%28");
        yield return new BadRequest("method not allowed", "DELETE", "/v1/packages");
        yield return new BadRequest("method not allowed on an id", "PUT", "/v1/jobs/" + Guid.CreateVersion7(), "{}"u8.ToArray());
        yield return new BadRequest("unknown method", "BREW", "/v1/events");
        yield return new BadRequest("file path that climbs", "GET", "/v1/packages/00000000-0000-7000-8000-000000000000/files/..%2F..%2Fetc%2Fpasswd");
        yield return new BadRequest("blob digest in upper case", "GET", "/v1/blobs/sha256:" + new string('A', 64));
        yield return new BadRequest("blob digest with another algorithm", "GET", "/v1/blobs/md5:" + new string('a', 32));
    }

    // JSON bodies broken in every way, to an endpoint that reads JSON. None could succeed even if parsed.
    private static IEnumerable<BadRequest> BadJson(string target)
    {
        var field = target == "/v1/admin/tokens" ? "name" : "reason";
        var extra = target switch
        {
            "/v1/admin/tokens" => ",\"role\":\"superuser\"",
            "/v1/jobs" => ",\"type\":\"no-such-type\"",
            _ => string.Empty,
        };
        byte[] Json(string text) => Encoding.UTF8.GetBytes(text);
        BadRequest Post(string what, byte[] body, bool chunked = false) =>
            new BadRequest(what, "POST", target, body, chunked).WithHeader("Content-Type", "application/json");

        yield return Post("JSON with invalid UTF-8", [.. Json($"{{\"{field}\":\"a"), 0xff, 0xfe, .. Json($"\"{extra}}}")]);
        yield return Post("JSON with a UTF-8-encoded surrogate", [.. Json($"{{\"{field}\":\""), 0xed, 0xa0, 0x80, .. Json($"\"{extra}}}")]);
        yield return Post("JSON with a lone surrogate", Json($"{{\"{field}\":\"\\ud800\"{extra}}}"));
        yield return Post("JSON with a lone low surrogate in a key", Json($"{{\"\\udc00\":1{extra}}}"));
        yield return Post("JSON with a duplicate key", Json($"{{\"{field}\":\"a\",\"{field}\":\"b\"{extra}}}"));
        yield return Post("JSON number out of range", Json($"{{\"{field}\":1e400{extra}}}"));
        yield return Post("JSON array body", Json("[1,2]"));
        yield return Post("JSON string body", Json("\"x\""));
        yield return Post("truncated JSON", Json($"{{\"{field}\":\"a"));
        yield return Post("JSON nested 100 deep", Json(new string('[', 100) + new string(']', 100)));
        yield return Post("JSON with a NUL byte", [.. Json("{\"a\":"), 0, .. Json("}")]);
        yield return Post("JSON over 64 KiB with a length", Json($"{{\"{field}\":\"{new string('x', 70_000)}\"}}"));
        yield return Post("JSON over 64 KiB chunked", Json($"{{\"{field}\":\"{new string('x', 70_000)}\"}}"), chunked: true);
        yield return Post("JSON of 4 MiB chunked", Json($"{{\"{field}\":\"{new string('x', 4 << 20)}\"}}"), chunked: true);
        yield return Post("trailing garbage after JSON", Json("{} x"));
    }

    private static IEnumerable<BadRequest> BadOptions()
    {
        var input = Guid.CreateVersion7();
        BadRequest Json(string what, string options) =>
            new BadRequest(what, "POST", "/v1/jobs", Encoding.UTF8.GetBytes($"{{\"type\":\"noop\",\"options\":{options},\"input_package_id\":\"{input}\"}}"))
                .WithHeader("Content-Type", "application/json");
        yield return Json("options with a duplicate key", "{\"mode\":1,\"mode\":2}");
        yield return Json("options number out of range", "{\"mode\":1e400}");
        yield return Json("options negative number out of range", "{\"mode\":-1e999}");
        yield return Json("options with a lone surrogate value", "{\"mode\":\"\\ud800\"}");
        yield return Json("options with a lone surrogate key", "{\"\\ud800\":1}");
        yield return Json("options nested duplicate", "{\"a\":{\"b\":1,\"b\":1}}");
        yield return Json("options not an object", "[1]");
        foreach (var options in new[] { "{\"mode\":1,\"mode\":2}", "{\"mode\":1e400}", "{\"mode\":\"\\ud800\"}", "{\"\\udfff\":1}", "{\"a\":", "[]" })
        {
            yield return Multipart($"multipart options {options}", "/v1/jobs", Part("type", "noop") + Part("options", options) + FilePart("input", "in.txt", "x") + Close);
        }

        yield return Multipart("job type with trailing newline", "/v1/jobs", Part("type", "noop\n") + Part("options", "{\"a\":1e400}") + FilePart("input", "in.txt", "x") + Close) with { Expect = Expect.Refused };
    }

    private IEnumerable<BadRequest> BadTimes()
    {
        foreach (var time in new[] { "2027-01-31", "2027-01-31T00:00:00", "2027-01-31 00:00:00Z", "2027-01-31T00:00:00Z\n", "2027-13-01T00:00:00Z", "+002027-01-31T00:00:00Z", "2027-01-31T00:00:00+25:00", "now", "" })
        {
            // No reason: even an accepted time changes nothing (reason_required).
            yield return new BadRequest($"new_expires_at '{time.ReplaceLineEndings("\\n")}'", "POST", $"/v1/packages/{packageId}/retention/extensions",
                Encoding.UTF8.GetBytes($"{{\"new_expires_at\":\"{time.Replace("\n", "\\n", StringComparison.Ordinal)}\"}}")).WithHeader("Content-Type", "application/json");
        }

        yield return new BadRequest("new_expires_at as a number", "POST", $"/v1/packages/{packageId}/retention/extensions", "{\"new_expires_at\":1e400}"u8.ToArray())
            .WithHeader("Content-Type", "application/json");
        yield return new BadRequest("as_of 'yesterday'", "POST", "/v1/admin/retention/sweep?dry_run=true&as_of=yesterday");
        foreach (var time in new[] { "2027-01-31", "2027-01-31T00:00:00Z%0A" })
        {
            yield return new BadRequest("as_of not RFC 3339 (dry run)", "POST", $"/v1/admin/retention/sweep?dry_run=true&as_of={time}");
        }
    }

    private static IEnumerable<BadRequest> BadQueries()
    {
        var queries = new[]
        {
            "/v1/packages?limit=1e400", "/v1/packages?limit=-1", "/v1/packages?limit=%FF", "/v1/packages?cursor=%FF%FE", "/v1/packages?cursor=not-a-cursor",
            "/v1/packages?state=LIVE", "/v1/packages?label=novalue", "/v1/events?after=-1", "/v1/events?after=99999999999999999999", "/v1/events?limit=0",
            "/v1/events?limit=1e400", "/v1/events/stream?after=-1", "/v1/events/stream?after=1e3", "/v1/events/stream?after=%FF",
            "/v1/jobs?state=QUEUED", "/v1/jobs?limit=100000", "/v1/jobs?cursor=%00",
        };
        foreach (var query in queries)
        {
            yield return new BadRequest($"query {query}", "GET", query);
        }

        yield return new BadRequest("gc dry_run not a boolean", "POST", "/v1/admin/gc?dry_run=yes");
        yield return new BadRequest("sweep dry_run not a boolean", "POST", "/v1/admin/retention/sweep?dry_run=%FF");
        yield return new BadRequest("package list name with trailing newline", "GET", "/v1/packages?name=x%0A");
    }

    private static IEnumerable<BadRequest> BadMultipart(string target)
    {
        // A package body without a name, a job body with an unknown type: neither could succeed as a whole.
        var fields = target == "/v1/jobs" ? Part("type", "no-such-type") : Part("retention_class", "no-such-class");
        var fileField = target == "/v1/jobs" ? "input" : "file";
        var file = FilePart(fileField, "a.txt", "hello");
        yield return Multipart("multipart with no body", target, string.Empty);
        yield return Multipart("multipart without a closing boundary", target, fields + file);
        yield return Multipart("multipart with a truncated part", target, fields + $"--{Boundary}\r\nContent-Disposition: form-data; name=\"{fileField}\"; filen");
        yield return Multipart("multipart with a truncated file", target, fields + $"--{Boundary}\r\nContent-Disposition: form-data; name=\"{fileField}\"; filename=\"a\"\r\n\r\nhel");
        yield return Multipart("multipart with another boundary", target, (fields + file + Close).Replace(Boundary, "0ther", StringComparison.Ordinal));
        yield return Multipart("multipart with a 5000-character boundary", target, fields + file + Close, new string('b', 5000));
        yield return Multipart("multipart without a boundary", target, fields + file + Close, string.Empty);
        yield return Multipart("multipart part without Content-Disposition", target, $"--{Boundary}\r\nContent-Type: text/plain\r\n\r\nx\r\n" + Close);
        yield return Multipart("multipart part header over 16 KiB", target, $"--{Boundary}\r\nX-Pad: {new string('p', 20_000)}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nx\r\n" + Close);
        yield return Multipart("multipart garbage", target, "this is not multipart at all");
        yield return Multipart("multipart field value with invalid UTF-8", target, fields + Part("name", "a\udfff") + file + Close, raw: [0xff, 0xfe]);
        yield return Multipart("multipart file name with invalid UTF-8", target, fields + FilePart(target == "/v1/jobs" ? "input" : "file", "a\udfff.txt", "x") + Close, raw: [0xc3, 0x28]);
        yield return Multipart("multipart field name with invalid UTF-8", target, fields + Part("n\udfffme", "x") + file + Close, raw: [0xed, 0xa0, 0x80]);
        yield return Multipart("multipart file name* with invalid UTF-8", target,
            fields + $"--{Boundary}\r\nContent-Disposition: form-data; name=\"{fileField}\"; filename*=UTF-8''a%FF.txt\r\n\r\nx\r\n" + Close);
        yield return Multipart("multipart over the upload limit, chunked", target, fields + FilePart(target == "/v1/jobs" ? "input" : "file", "big.bin", new string('z', 3 << 20)) + Close) with { Chunked = true };
        if (target == "/v1/packages")
        {
            yield return Multipart("package name with trailing newline", target, Part("name", "ok\n") + Part("retention_class", "no-such-class") + file + Close);
            yield return Multipart("label with trailing newline", target, Part("name", "ok") + Part("label", "k=v\n") + Part("retention_class", "no-such-class") + file + Close);
            yield return Multipart("file path with trailing newline", target, Part("name", "ok") + Part("retention_class", "no-such-class") + FilePart("file", "a.txt\n", "x") + Close);
        }
    }

    private static BadRequest Multipart(string what, string target, string body, string boundary = Boundary, byte[]? raw = null)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        if (raw is not null)
        {
            // The placeholder U+DFFF (encoded by UTF8 as EF BF BD) is swapped for the raw bytes under test.
            bytes = Replace(bytes, [0xef, 0xbf, 0xbd], raw);
        }

        return new BadRequest(what, "POST", target, bytes)
            .WithHeader("Content-Type", boundary.Length == 0 ? "multipart/form-data" : $"multipart/form-data; boundary={boundary}");
    }

    private static string Part(string name, string value) => $"--{Boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n";

    private static string FilePart(string name, string fileName, string content) =>
        $"--{Boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{fileName}\"\r\nContent-Type: application/octet-stream\r\n\r\n{content}\r\n";

    private static string Close => $"--{Boundary}--\r\n";

    // An id nothing has: a mutation that happens to repair the body still changes nothing.
    private static string Fill(string route) => route.Replace("{id}", Guid.CreateVersion7().ToString(), StringComparison.Ordinal)
        .Replace("{holdId}", "no-such-hold", StringComparison.Ordinal);

    // Large bodies would slow the run; bodies with a valid job type and input, one edit from valid, could be repaired.
    private static bool Mutable(BadRequest request) =>
        !request.Case.Contains("over", StringComparison.Ordinal) && !request.Case.Contains("MiB", StringComparison.Ordinal) &&
        !request.Case.StartsWith("multipart options", StringComparison.Ordinal) && !request.Case.StartsWith("job type", StringComparison.Ordinal);

    private BadRequest RandomPath(Random rng, int i)
    {
        string[] pieces = ["a", "..", ".", "%2e", "%2E%2E", "%2F", "%FF", "%C3%28", "x.json", "%20", "~", "%7B", packageId.ToString(), "files", "retention", "v1", "sha256:", "%0A", "%E2%80%AE"];
        var segments = Enumerable.Range(0, 1 + rng.Next(5)).Select(_ => pieces[rng.Next(pieces.Length)]);
        var method = Pick(rng, ["GET", "HEAD", "POST", "DELETE", "PATCH"]);
        var target = "/v1/" + Pick(rng, ["packages/", "jobs/", "blobs/", "admin/", string.Empty]) + string.Join('/', segments);
        return new BadRequest($"random path {i}", method, target, method == "POST" ? "{}"u8.ToArray() : null, Expect: Expect.Tolerated);
    }

    private static T Pick<T>(Random rng, T[] items) => items[rng.Next(items.Length)];

    private static byte[] Replace(byte[] bytes, byte[] find, byte[] with)
    {
        var index = bytes.AsSpan().IndexOf(find);
        return index < 0 ? bytes : [.. bytes[..index], .. with, .. bytes[(index + find.Length)..]];
    }
}
