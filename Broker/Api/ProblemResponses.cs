using MediaBroker.Broker.Ingest;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MediaBroker.Broker.Api;

/// <summary>RFC 7807 answers with a detail a person can act on.</summary>
public static class ProblemResponses
{
    public static ProblemHttpResult NotFound(Guid itemId) =>
        TypedResults.Problem($"there is no item {itemId} on this broker", statusCode: StatusCodes.Status404NotFound, title: "No such item");

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "Not possible in this state");

    public static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Bad request");

    public static ProblemHttpResult From(IngestRejection rejection) =>
        TypedResults.Problem(rejection.Message, statusCode: rejection.StatusCode, title: rejection.Title);

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
        catch (IngestRejection rejection) when (!context.Response.HasStarted)
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
    });
}
