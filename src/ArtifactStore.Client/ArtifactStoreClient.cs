using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ArtifactStore.Contract;

namespace ArtifactStore.Client;

/// <summary>A typed client for the ArtifactStore HTTP API (v1). Uploads and downloads are streamed.</summary>
public sealed class ArtifactStoreClient(HttpClient http)
{
    private static JsonSerializerOptions Json => ApiJson.Options;

    /// <summary>Creates a package from files given as (path in the package, content).</summary>
    public async Task<PackageDocument> CreatePackageAsync(
        string name,
        IEnumerable<(string Path, Stream Content)> files,
        string? retentionClass = null,
        IEnumerable<KeyValuePair<string, string>>? labels = null,
        string? idempotencyKey = null,
        CancellationToken cancellationToken = default)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(name), "name");
        if (retentionClass is not null)
        {
            form.Add(new StringContent(retentionClass), "retention_class");
        }

        foreach (var (key, value) in labels ?? [])
        {
            form.Add(new StringContent($"{key}={value}"), "label");
        }

        foreach (var (path, content) in files)
        {
            form.Add(FilePart(content), "file", path);
        }

        return await PostFormAsync<PackageDocument>("v1/packages", form, idempotencyKey, cancellationToken);
    }

    public async Task<PackageDocument> GetPackageAsync(string id, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync($"v1/packages/{Uri.EscapeDataString(id)}", cancellationToken);
        return await ReadAsync<PackageDocument>(response, cancellationToken);
    }

    public async Task<PackageListDocument> ListPackagesAsync(string? query = null, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync("v1/packages" + (string.IsNullOrEmpty(query) ? string.Empty : "?" + query), cancellationToken);
        return await ReadAsync<PackageListDocument>(response, cancellationToken);
    }

    /// <summary>Streams one file of a package into <paramref name="destination"/>.</summary>
    public async Task DownloadFileAsync(string id, string path, Stream destination, CancellationToken cancellationToken = default)
    {
        var escaped = string.Join('/', path.Split('/').Select(Uri.EscapeDataString));
        using var response = await http.GetAsync($"v1/packages/{Uri.EscapeDataString(id)}/files/{escaped}", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, cancellationToken);
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await body.CopyToAsync(destination, 1024 * 1024, cancellationToken);
    }

    /// <summary>Submits a job with an uploaded input file; <paramref name="optionsJson"/> is a JSON object or null.</summary>
    public async Task<JobDocument> SubmitJobAsync(
        string type,
        string inputFileName,
        Stream input,
        string? optionsJson = null,
        string? idempotencyKey = null,
        CancellationToken cancellationToken = default)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(type), "type");
        if (optionsJson is not null)
        {
            form.Add(new StringContent(optionsJson), "options");
        }

        form.Add(FilePart(input), "input", inputFileName);
        return await PostFormAsync<JobDocument>("v1/jobs", form, idempotencyKey, cancellationToken);
    }

    public async Task<JobDocument> GetJobAsync(string id, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync($"v1/jobs/{Uri.EscapeDataString(id)}", cancellationToken);
        return await ReadAsync<JobDocument>(response, cancellationToken);
    }

    /// <summary>One page of jobs, newest first; <paramref name="query"/> is a query string without '?' (state, limit, cursor).</summary>
    public async Task<JobListDocument> ListJobsAsync(string? query = null, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync("v1/jobs" + (string.IsNullOrEmpty(query) ? string.Empty : "?" + query), cancellationToken);
        return await ReadAsync<JobListDocument>(response, cancellationToken);
    }

    public async Task<JobDocument> CancelJobAsync(string id, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsync($"v1/jobs/{Uri.EscapeDataString(id)}/cancel", null, cancellationToken);
        return await ReadAsync<JobDocument>(response, cancellationToken);
    }

    /// <summary>Polls the job until it has finished (or <paramref name="cancellationToken"/> fires), reporting each change.</summary>
    public async Task<JobDocument> WaitForJobAsync(string id, TimeSpan pollInterval, Action<JobDocument>? onChange = null, CancellationToken cancellationToken = default)
    {
        string? last = null;
        while (true)
        {
            var job = await GetJobAsync(id, cancellationToken);
            var state = $"{job.State}/{job.Attempts}";
            if (state != last)
            {
                onChange?.Invoke(job);
                last = state;
            }

            if (job.IsFinished)
            {
                return job;
            }

            await Task.Delay(pollInterval, cancellationToken);
        }
    }

    /// <summary>Streams the job's log into <paramref name="destination"/>; with <paramref name="follow"/> until the job ends.</summary>
    public async Task CopyJobLogAsync(string id, Stream destination, bool follow = true, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync($"v1/jobs/{Uri.EscapeDataString(id)}/logs{(follow ? string.Empty : "?follow=false")}",
            HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, cancellationToken);
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            await destination.FlushAsync(cancellationToken);
        }
    }

    /// <summary>A package's retention with every hold (released ones included).</summary>
    public async Task<RetentionDocument> GetRetentionAsync(string id, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync($"v1/packages/{Uri.EscapeDataString(id)}/retention", cancellationToken);
        return await ReadAsync<RetentionDocument>(response, cancellationToken);
    }

    /// <summary>Moves the package's expiry later (operator role).</summary>
    public Task<RetentionDocument> ExtendRetentionAsync(string id, ExtendRequest request, CancellationToken cancellationToken = default) =>
        PostJsonAsync<ExtendRequest, RetentionDocument>($"v1/packages/{Uri.EscapeDataString(id)}/retention/extensions", request, cancellationToken);

    /// <summary>Places a legal hold (operator role); the answer carries the hold's id.</summary>
    public Task<HoldCreatedDocument> HoldAsync(string id, ReasonRequest request, CancellationToken cancellationToken = default) =>
        PostJsonAsync<ReasonRequest, HoldCreatedDocument>($"v1/packages/{Uri.EscapeDataString(id)}/retention/holds", request, cancellationToken);

    /// <summary>Releases a hold (operator role).</summary>
    public Task<RetentionDocument> ReleaseHoldAsync(string id, string holdId, ReasonRequest request, CancellationToken cancellationToken = default) =>
        PostJsonAsync<ReasonRequest, RetentionDocument>(
            $"v1/packages/{Uri.EscapeDataString(id)}/retention/holds/{Uri.EscapeDataString(holdId)}/release", request, cancellationToken);

    /// <summary>Pins or unpins a package (operator role).</summary>
    public Task<RetentionDocument> SetPinnedAsync(string id, bool pinned, ReasonRequest request, CancellationToken cancellationToken = default) =>
        PostJsonAsync<ReasonRequest, RetentionDocument>($"v1/packages/{Uri.EscapeDataString(id)}/retention/{(pinned ? "pin" : "unpin")}", request, cancellationToken);

    /// <summary>Runs a retention sweep (operator role).</summary>
    public async Task<SweepReportDocument> SweepAsync(bool dryRun = false, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsync($"v1/admin/retention/sweep?dry_run={(dryRun ? "true" : "false")}", null, cancellationToken);
        return await ReadAsync<SweepReportDocument>(response, cancellationToken);
    }

    /// <summary>Runs a garbage collection (operator role).</summary>
    public async Task<GcReportDocument> CollectGarbageAsync(bool dryRun = false, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsync($"v1/admin/gc?dry_run={(dryRun ? "true" : "false")}", null, cancellationToken);
        return await ReadAsync<GcReportDocument>(response, cancellationToken);
    }

    /// <summary>Opens a resumable upload session (<c>POST /v1/uploads</c>).</summary>
    public async Task<UploadSessionInfo> CreateUploadAsync(CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsync("v1/uploads", null, cancellationToken);
        return await ReadAsync<UploadSessionInfo>(response, cancellationToken);
    }

    /// <summary>How many bytes the session at <paramref name="location"/> holds, or null when it is gone (finished, abandoned, expired).</summary>
    public async Task<long?> GetUploadOffsetAsync(string location, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync(location, cancellationToken);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        return (await ReadAsync<UploadSessionInfo>(response, cancellationToken)).Offset;
    }

    /// <summary>Appends <paramref name="chunk"/> at <paramref name="offset"/>; returns the session's new offset.</summary>
    public async Task<long> AppendUploadAsync(string location, long offset, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken = default)
    {
        using var content = new ReadOnlyMemoryContent(chunk);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (chunk.Length > 0)
        {
            content.Headers.ContentRange = new ContentRangeHeaderValue(offset, offset + chunk.Length - 1);
        }

        using var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = content };
        using var response = await http.SendAsync(request, cancellationToken);
        return (await ReadAsync<UploadSessionInfo>(response, cancellationToken)).Offset;
    }

    /// <summary>Finishes the session: the server stores the blob only if its SHA-256 is <paramref name="digest"/> (<c>digest_mismatch</c> otherwise).</summary>
    public async Task<UploadedBlob> FinishUploadAsync(string location, string digest, CancellationToken cancellationToken = default)
    {
        using var response = await http.PutAsync($"{location}?digest={Uri.EscapeDataString(digest)}", null, cancellationToken);
        return await ReadAsync<UploadedBlob>(response, cancellationToken);
    }

    /// <summary>Abandons a session; true when it existed.</summary>
    public async Task<bool> AbandonUploadAsync(string location, CancellationToken cancellationToken = default)
    {
        using var response = await http.DeleteAsync(location, cancellationToken);
        return response.IsSuccessStatusCode;
    }

    /// <summary>Creates a package whose files are blobs the store already holds (<c>POST /v1/packages</c> with JSON).</summary>
    public async Task<PackageDocument> CreatePackageFromBlobsAsync(
        string name,
        IEnumerable<StoredFile> files,
        string? retentionClass = null,
        IEnumerable<KeyValuePair<string, string>>? labels = null,
        string? idempotencyKey = null,
        CancellationToken cancellationToken = default)
    {
        var body = new Dictionary<string, object>
        {
            ["name"] = name,
            ["labels"] = (labels ?? []).ToDictionary(l => l.Key, l => l.Value),
            ["files"] = files.Select(f => new Dictionary<string, string> { ["path"] = f.Path, ["digest"] = f.Digest }).ToList(),
        };
        if (retentionClass is not null)
        {
            body["class"] = retentionClass;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/packages") { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        return await ReadAsync<PackageDocument>(response, cancellationToken);
    }

    /// <summary>
    /// The live event stream (<c>GET /v1/events/stream</c>) after <paramref name="after"/> (null: from now), until the
    /// server ends it (a <c>dropped</c> message, a restart) or <paramref name="cancellationToken"/> fires. Heartbeats are skipped.
    /// </summary>
    public async IAsyncEnumerable<ServerSentEvent> StreamEventsAsync(
        long? after,
        IEnumerable<string>? streamPrefixes = null,
        IEnumerable<string>? types = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var query = (streamPrefixes ?? []).Select(p => "stream=" + Uri.EscapeDataString(p))
            .Concat((types ?? []).Select(t => "type=" + Uri.EscapeDataString(t)));
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/events/stream" + (query.Any() ? "?" + string.Join('&', query) : string.Empty));
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (after is { } seq)
        {
            request.Headers.Add("Last-Event-ID", seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, cancellationToken);
        }

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        string? id = null;
        var type = "message";
        var data = new List<string>();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Count > 0)
                {
                    yield return new ServerSentEvent(id, type, string.Join('\n', data));
                }

                (id, type) = (null, "message");
                data.Clear();
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var (field, value) = colon < 0 ? (line, string.Empty) : (line[..colon], line[(colon + 1)..].TrimStart(' '));
            switch (field)
            {
                case "id":
                    id = value;
                    break;
                case "event":
                    type = value;
                    break;
                case "data":
                    data.Add(value);
                    break;
            }
        }
    }

    /// <summary>One page of the event log after <paramref name="after"/> (<c>GET /v1/events</c>), as raw JSON events.</summary>
    public async Task<List<JsonElement>> ListEventsAsync(long after, int limit, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync($"v1/events?after={after}&limit={limit}", cancellationToken);
        var page = await ReadAsync<JsonElement>(response, cancellationToken);
        return [.. page.GetProperty("events").EnumerateArray().Select(e => e.Clone())];
    }

    /// <summary>A file part streamed from <paramref name="content"/> (never buffered whole).</summary>
    private static StreamContent FilePart(Stream content)
    {
        var part = new StreamContent(content, 1024 * 1024);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return part;
    }

    private async Task<T> PostFormAsync<T>(string path, MultipartFormDataContent form, string? idempotencyKey, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = form };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        return await ReadAsync<T>(response, cancellationToken);
    }

    private async Task<TResponse> PostJsonAsync<TRequest, TResponse>(string path, TRequest body, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(path, body, Json, cancellationToken);
        return await ReadAsync<TResponse>(response, cancellationToken);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, cancellationToken);
        }

        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
            ?? throw new ArtifactStoreException((int)response.StatusCode, "invalid_response", "the server sent an empty body");
    }

    private static async Task<ArtifactStoreException> ErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<ProblemDocument>(Json, cancellationToken);
            return new ArtifactStoreException((int)response.StatusCode, problem?.Code ?? "unknown", problem?.Detail ?? response.ReasonPhrase ?? "request failed");
        }
        catch (JsonException)
        {
            return new ArtifactStoreException((int)response.StatusCode, "unknown", response.ReasonPhrase ?? "request failed");
        }
    }
}
