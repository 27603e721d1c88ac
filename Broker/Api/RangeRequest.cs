using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace MediaBroker.Broker.Api;

/// <summary>
/// Range and If-Range of a download, held to RFC 9110 around ASP.NET's file result. Left to itself, that result takes
/// a range in any unit for bytes, reads an If-Range date as "not modified since" and garbage as no If-Range at all
/// (each a 206 where the whole file was due), and answers an unsatisfiable range with an empty 416.
/// </summary>
public static class RangeRequest
{
    private const string BytesUnit = "bytes";
    private const int MaxQuotedChars = 100;

    /// <summary>
    /// Removes a Range the server must ignore, so that the whole file follows with 200: one in a unit other than bytes
    /// (RFC 9110 §14.2), and one whose If-Range does not match the file (§13.1.5): anything but its strong ETag or
    /// exactly its Last-Modified date. An If-Range that matches keeps the Range.
    /// </summary>
    /// <param name="lastModified">As the file result sends it, before its rounding down to whole seconds.</param>
    public static void Normalize(HttpRequest request, EntityTagHeaderValue etag, DateTimeOffset lastModified)
    {
        var headers = request.Headers;
        if (headers.Range.Count == 0) return;
        if (!InBytes(headers.Range) || headers.IfRange.Count > 0 && !Matches(headers.IfRange, etag, lastModified))
        {
            headers.Remove(HeaderNames.Range);
            headers.Remove(HeaderNames.IfRange);
        }
    }

    /// <summary>
    /// <paramref name="file"/>, with its 416 given a problem+json body beside the <c>Content-Range: bytes */LENGTH</c>
    /// the file result sets. The result writes nothing for a 416, so the response has not started and still can be.
    /// </summary>
    public static IResult WithProblemFor416(IResult file, long length) => new UnsatisfiableAsProblem(file, length);

    private static bool InBytes(StringValues ranges) =>
        ranges.All(range => range is not null && range.Split('=', 2)[0].Trim().Equals(BytesUnit, StringComparison.OrdinalIgnoreCase));

    private static bool Matches(StringValues ifRange, EntityTagHeaderValue etag, DateTimeOffset lastModified)
    {
        if (ifRange.Count != 1 || ifRange[0] is not { } value) return false;
        value = value.Trim();
        // An entity tag starts with a quote, or with W/ when weak (and a weak one never matches strongly); the rest is a date.
        if (value.StartsWith('"')) return EntityTagHeaderValue.TryParse(value, out var tag) && tag.Compare(etag, useStrongComparison: true);
        return HeaderUtilities.TryParseDate(value, out var date) && date == WholeSeconds(lastModified);
    }

    // Last-Modified goes out in whole seconds, so that is what a client can send back.
    private static DateTimeOffset WholeSeconds(DateTimeOffset time) => time.AddTicks(-(time.Ticks % TimeSpan.TicksPerSecond));

    private sealed class UnsatisfiableAsProblem(IResult file, long length) : IResult
    {
        public async Task ExecuteAsync(HttpContext context)
        {
            await file.ExecuteAsync(context);
            var response = context.Response;
            if (response.StatusCode != StatusCodes.Status416RangeNotSatisfiable || response.HasStarted) return;
            response.ContentLength = null;
            response.Headers.Remove(HeaderNames.ContentDisposition);
            var range = context.Request.Headers.Range.ToString();
            if (range.Length > MaxQuotedChars) range = range[..MaxQuotedChars] + "...";
            var detail = length == 0
                ? $"the range '{range}' asks for part of an empty output; leave Range out to get it"
                : $"the range '{range}' lies past the end of the output ({length} bytes); ask for bytes 0 to {length - 1}, or leave Range out for the whole file";
            await TypedResults.Problem(detail, statusCode: StatusCodes.Status416RangeNotSatisfiable, title: "Range not satisfiable").ExecuteAsync(context);
        }
    }
}
