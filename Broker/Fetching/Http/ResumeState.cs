using System.IO.Abstractions;
using System.Net.Http.Headers;
using System.Text.Json;
using MediaBroker.Shared.Files;

namespace MediaBroker.Broker.Fetching.Http;

/// <summary>
/// What a partial download needs to be resumed safely, kept beside it as <c>PATH.fetch.json</c>: the validators of
/// the response its bytes came from, sent back as If-Range so that a file changed on the server meanwhile is fetched
/// anew (200) instead of being glued onto the old half (206).
/// </summary>
public sealed record ResumeState(string? ETag, DateTimeOffset? LastModified)
{
    public const string Suffix = ".fetch.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static string PathFor(string path) => path + Suffix;

    public static ResumeState From(HttpResponseMessage response) =>
        new(response.Headers.ETag?.ToString(), response.Content.Headers.LastModified);

    /// <summary>A weak ETag may not be used in If-Range (RFC 9110 13.1.5); Last-Modified then serves instead.</summary>
    public RangeConditionHeaderValue? IfRange() =>
        ETag is not null && !ETag.StartsWith("W/", StringComparison.Ordinal) ? new RangeConditionHeaderValue(ETag)
        : LastModified is { } date ? new RangeConditionHeaderValue(date)
        : null;

    public static async Task<ResumeState?> ReadAsync(IFileSystem files, string path, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = files.File.OpenRead(PathFor(path));
            return await JsonSerializer.DeserializeAsync<ResumeState>(stream, Json, cancellationToken);
        }
        catch (Exception error) when (error is IOException or JsonException or UnauthorizedAccessException)
        {
            return null; // none, or unreadable: resume without a condition
        }
    }

    public Task WriteAsync(IFileSystem files, string path, CancellationToken cancellationToken) =>
        files.WriteJsonAtomicallyAsync(PathFor(path), this, Json, cancellationToken);

    public static void Delete(IFileSystem files, string path) => files.File.Delete(PathFor(path));
}
