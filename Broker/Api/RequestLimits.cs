using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Http.Features;

namespace MediaBroker.Broker.Api;

/// <summary>
/// The broker's limits on the head of a request: an 8 KiB request line, 32 KiB of header lines, 100 of them.
/// Kestrel refuses a request past its own limits before any middleware runs, with a status and an empty body, and has
/// no hook to give that answer a body (it sets Content-Length: 0 itself, dotnet/aspnetcore HttpProtocol.SetErrorResponseHeaders).
/// So Kestrel's limits are the outer bounds here (<see cref="Hosting.KestrelSetup"/>), set higher, and these are
/// enforced first thing in the pipeline, with problem+json saying which limit and by how much.
/// </summary>
/// <remarks>
/// Beyond reach, and answered by Kestrel with a status and an empty body (Connection: close): a request past the outer
/// bounds below (414 for the line, 431 for the headers), and one Kestrel cannot parse at all: a malformed request line
/// or header line, a bad Content-Length or Transfer-Encoding (400), an HTTP version it does not speak (505), headers that
/// do not arrive within their timeout (408).
/// </remarks>
public static class RequestLimits
{
    public const int MaxRequestLineBytes = 8 * 1024;
    public const int MaxHeaderBytes = 32 * 1024;
    public const int MaxHeaderLines = 100;

    /// <summary>Kestrel's own limits: past these it answers with its empty 414 or 431.</summary>
    public const int OuterRequestLineBytes = 64 * 1024;
    public const int OuterHeaderBytes = 64 * 1024;
    public const int OuterHeaderLines = 1000;

    public static IApplicationBuilder UseRequestLimits(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var request = context.Request;
        var lineBytes = RequestLineBytes(context);
        if (lineBytes > MaxRequestLineBytes)
            return Refuse(context, StatusCodes.Status414UriTooLong, "Request line too long",
                $"the request line (method, address with its query, version) is {lineBytes} bytes; this broker takes at most {MaxRequestLineBytes}: "
                + "shorten the query (ask for fewer ids at a time)");

        var (headerLines, headerBytes) = HeaderSize(request.Headers);
        if (headerLines > MaxHeaderLines)
            return Refuse(context, StatusCodes.Status431RequestHeaderFieldsTooLarge, "Request headers too large",
                $"the request has {headerLines} header lines; this broker takes at most {MaxHeaderLines}");
        if (headerBytes > MaxHeaderBytes)
            return Refuse(context, StatusCodes.Status431RequestHeaderFieldsTooLarge, "Request headers too large",
                $"the request's headers are {headerBytes} bytes in all; this broker takes at most {MaxHeaderBytes}");
        return next(context);
    });

    private static Task Refuse(HttpContext context, int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title).ExecuteAsync(context);

    // As Kestrel counts it: "METHOD target HTTP/1.1\r\n", the target exactly as sent.
    private static int RequestLineBytes(HttpContext context)
    {
        var request = context.Request;
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw ? raw : request.GetEncodedPathAndQuery();
        return request.Method.Length + 1 + target.Length + 1 + request.Protocol.Length + 2;
    }

    // Each line "Name: value\r\n"; a header sent on several lines has a value for each.
    private static (int Lines, int Bytes) HeaderSize(IHeaderDictionary headers)
    {
        int lines = 0, bytes = 0;
        foreach (var (name, values) in headers)
        {
            foreach (var value in values)
            {
                lines++;
                bytes += name.Length + 2 + (value?.Length ?? 0) + 2;
            }
        }
        return (lines, bytes);
    }
}
