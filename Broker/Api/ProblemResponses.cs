using MediaBroker.Broker.Ingest;
using MediaBroker.Broker.Storage;
using MediaBroker.Broker.Uploads.Tus;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;

namespace MediaBroker.Broker.Api;

/// <summary>RFC 7807 answers with a detail a person can act on; the one place where a <see cref="Rejection"/> gets its status.</summary>
public static class ProblemResponses
{
    public static ProblemHttpResult NotFound(Guid itemId) =>
        TypedResults.Problem($"there is no item {itemId} on this broker", statusCode: StatusCodes.Status404NotFound, title: "No such item");

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "Not possible in this state");

    public static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Bad request");

    public static ProblemHttpResult From(Rejection rejection) =>
        TypedResults.Problem(rejection.Message, statusCode: StatusCodeOf(rejection.Kind), title: rejection.Title);

    public static int StatusCodeOf(RejectionKind kind) => kind switch
    {
        RejectionKind.Invalid => StatusCodes.Status400BadRequest,
        RejectionKind.NotFound => StatusCodes.Status404NotFound,
        RejectionKind.Conflict => StatusCodes.Status409Conflict,
        RejectionKind.Busy => StatusCodes.Status423Locked,
        RejectionKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
        RejectionKind.Unsupported => StatusCodes.Status415UnsupportedMediaType,
        RejectionKind.ChecksumMismatch => StatusCodes.Status422UnprocessableEntity,
        RejectionKind.ChunkChecksumMismatch => TusProtocol.ChecksumMismatch,
        RejectionKind.InsufficientStorage => StatusCodes.Status507InsufficientStorage,
        RejectionKind.TooMany => StatusCodes.Status429TooManyRequests,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "a rejection without a status"),
    };

    /// <summary>
    /// A body for an error that would otherwise go out with none: no route (404), a method the route does not take
    /// (405), a failed precondition of a download (412), a parameter the binding could not read (400). Called by
    /// UseStatusCodePages for every 4xx and 5xx left without a body; problem+json whatever the request's Accept says.
    /// </summary>
    public static Task ExplainBareStatusAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var (method, path, status) = (http.Request.Method, Quoted(http.Request.Path.ToString()), http.Response.StatusCode);
        var reason = ReasonPhrases.GetReasonPhrase(status);
        var detail = status switch
        {
            StatusCodes.Status404NotFound => $"nothing is at {path}; the API is /api/items, /api/uploads/ and /api/server, described at /docs",
            StatusCodes.Status405MethodNotAllowed => $"{path} does not take {method}; it takes {(http.Response.Headers.Allow is { Count: > 0 } allow ? allow.ToString() : "other methods")}",
            StatusCodes.Status412PreconditionFailed => "If-Match or If-Unmodified-Since does not hold for the current output; ask again without them",
            StatusCodes.Status400BadRequest => $"a value in the address or headers of {method} {path} is not of the form the API takes",
            _ => $"the broker answered {method} {path} with {status} {reason}",
        };
        return TypedResults.Problem(detail, statusCode: status, title: reason).ExecuteAsync(http);
    }

    /// <summary>What <c>UseExceptionHandler</c> answers for an error nothing expected: problem+json, whatever the request's Accept says.</summary>
    public static Task UnexpectedErrorAsync(HttpContext context) =>
        TypedResults.Problem("the broker failed on this request; what went wrong is in its log", statusCode: StatusCodes.Status500InternalServerError,
            title: "Internal error").ExecuteAsync(context);

    // Request data quoted in a detail: enough of it to recognise.
    private static string Quoted(string text) => text.Length <= 200 ? text : text[..200] + "...";

    /// <summary>
    /// Turns rejections thrown anywhere below into problem+json, and a request the client broke off into a plain
    /// 400 instead of an error in the log.
    /// </summary>
    public static IApplicationBuilder UseProblemResponses(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (Rejection rejection) when (!context.Response.HasStarted)
        {
            await From(rejection).ExecuteAsync(context);
        }
        catch (MediaBroker.Shared.Transfers.StalledTransferException error) when (!context.Response.HasStarted)
        {
            await TypedResults.Problem($"{error.Message}; what arrived before is kept for a resumable upload",
                statusCode: StatusCodes.Status408RequestTimeout, title: "Upload stalled").ExecuteAsync(context);
        }
        catch (BadHttpRequestException error) when (!context.Response.HasStarted)
        {
            await TypedResults.Problem(error.Message, statusCode: error.StatusCode, title: "Bad request").ExecuteAsync(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (OperationCanceledException) when (!context.Response.HasStarted)
        {
            // The broker is stopping and stopped the program this request waited for (a probe, a thumbnail).
            await TypedResults.Problem("the broker is stopping; try again once it is back", statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Stopping").ExecuteAsync(context);
        }
        catch (Exception error) when (!context.Response.HasStarted && error is IOException or UnauthorizedAccessException
            && context.RequestServices.GetRequiredService<DataFolder>().MissingFolder() is { } missing)
        {
            // Without this the answer is a bare 500 (or a misleading refusal of the file) and the log a stack trace.
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ProblemResponses))
                .LogError("The data folder is damaged: {Folder} is gone. Nothing can be stored until it is back", missing);
            await TypedResults.Problem($"the broker's data folder is damaged ({missing} is gone); it stores nothing until an administrator restores it",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "Storage unavailable").ExecuteAsync(context);
        }
    });
}
