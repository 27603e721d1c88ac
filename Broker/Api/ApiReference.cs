using MediaBroker.Broker.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace MediaBroker.Broker.Api;

/// <summary>
/// The API's own description: the OpenAPI 3.1 document at <c>/openapi/v1.json</c>, built from every route's metadata
/// (summary, description, tags, responses) by Microsoft.AspNetCore.OpenApi, and an interactive reference page at
/// <c>/docs</c> (Scalar). Both are open to all, like the dashboard's files: they describe the API, and reveal no data.
/// The page works with no internet: its script is the one embedded in Scalar.AspNetCore, served by the broker itself.
/// </summary>
public static class ApiReference
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string PagePath = "/docs";
    public const string SecuritySchemeName = "Bearer";
    public const string Tag = "API reference";

    // The reference page's own rules, apart from the dashboard's (whose CSP stays as strict as it is): it talks only to
    // its broker, is framed by no other site, and carries no plugins.
    private const string PageSecurityPolicy = "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'; form-action 'self'";

    public static IServiceCollection AddApiReference(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                Describe(document);
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                ApplyAccessRule(operation, context.Description.ActionDescriptor.EndpointMetadata, context.Document!);
                return Task.CompletedTask;
            });
        });

    public static IEndpointRouteBuilder MapApiReference(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi(DocumentPath).AllowAnonymous();
        app.MapScalarApiReference(PagePath, page => page
                .WithTitle("MediaBroker API")
                .WithOpenApiRoutePattern(DocumentPath)
                // Nothing from elsewhere: the embedded script, the system's fonts, no telemetry, no AI chat.
                .DisableDefaultFonts()
                .DisableTelemetry()
                .DisableAgent()
                .DisableMcp()
                // Scalar's toolbar (share, deploy, generate an SDK) leads to its own site.
                .HideDeveloperTools()
                .AddPreferredSecuritySchemes(SecuritySchemeName))
            .AllowAnonymous()
            .AddEndpointFilter(async (invocation, next) =>
            {
                var headers = invocation.HttpContext.Response.Headers;
                headers.ContentSecurityPolicy = PageSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                return await next(invocation);
            });
        return app;
    }

    private static void Describe(OpenApiDocument document)
    {
        document.Info = new OpenApiInfo
        {
            Title = "MediaBroker",
            Version = ServerApi.Version,
            Description = "A self-hosted media converter. Hand in videos, pictures and audio (in one request, or resumably with tus 1.0), "
                + "follow their conversion (poll, or the server-sent events of `GET /api/events`), fetch the output (Range requests, "
                + "or a signed link that needs no token). Every error is `application/problem+json` (RFC 9457) with a detail a person "
                + "can act on. JSON names are snake_case.",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SecuritySchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "`Authorization: Bearer TOKEN`. An administrator makes tokens with `media-broker token add NAME [--role admin]` "
                + "(or `POST /api/tokens`). A client token acts on its own items; an admin token on all, and manages tokens. A broker "
                + "without tokens that listens on loopback only serves this machine without one.",
        };
        document.Tags ??= new HashSet<OpenApiTag>();
        foreach (var (name, description) in Tags) document.Tags.Add(new OpenApiTag { Name = name, Description = description });
        AddReferenceRoutes(document);
    }

    private static readonly (string Name, string Description)[] Tags =
    [
        ("Items", "One item per file handed in: its state, its output, its thumbnail, a signed link to it."),
        ("Uploads (tus)", "Resumable uploads, tus 1.0 (https://tus.io/protocols/resumable-upload): core, creation, creation-with-upload, "
            + "termination, expiration and checksum. Upload-Metadata carries filename, conversion_type, sha512 (hex, of the whole file) and "
            + "optionally client_id. The answer that completes an upload names the item in MediaBroker-Item-Id."),
        ("Broker", "What this broker converts, and how busy and full it is."),
        ("Events", "Server-sent events of item changes and the broker's figures."),
        ("Signed links", "Outputs fetched without a token: the signature is the permission."),
        ("Tokens", "Token management, for admin tokens."),
        ("Dashboard", "The web page at / and its files: open to all; what it shows comes from the API, with a token where one is needed."),
        (Tag, "This document and its interactive page: open to all."),
    ];

    /// <summary>
    /// The document and the page are routes too, left out of the description by their libraries: added here by hand,
    /// open to all, so that the document lists every route the broker answers.
    /// </summary>
    private static void AddReferenceRoutes(OpenApiDocument document)
    {
        document.Paths ??= new OpenApiPaths();
        document.Paths[DocumentPath] = new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Get] = Open(new OpenApiOperation
                {
                    OperationId = "GetOpenApiDocument",
                    Summary = "This OpenAPI document",
                    Description = "The OpenAPI 3.1 description of every route of this broker, generated from the routes themselves.",
                    Responses = new OpenApiResponses
                    {
                        ["200"] = new OpenApiResponse
                        {
                            Description = "The document.",
                            Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.Object } } },
                        },
                    },
                }, document),
            },
        };
        document.Paths[PagePath] = new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Get] = Open(new OpenApiOperation
                {
                    OperationId = "GetApiReferencePage",
                    Summary = "The interactive API reference",
                    Description = "A page (Scalar) that reads this document and sends requests from the browser. Its script is built into "
                        + "media-broker and served from /docs/ itself: it needs no internet.",
                    Responses = new OpenApiResponses
                    {
                        ["200"] = new OpenApiResponse
                        {
                            Description = "The page.",
                            Content = new Dictionary<string, OpenApiMediaType> { ["text/html"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } } },
                        },
                    },
                }, document),
            },
        };
    }

    private static OpenApiOperation Open(OpenApiOperation operation, OpenApiDocument document)
    {
        operation.Tags = new HashSet<OpenApiTagReference> { new(Tag, document) };
        operation.Security = [];
        return operation;
    }

    /// <summary>
    /// Each operation's security from its access rule: none for open routes (an empty list: no token needed), the bearer
    /// scheme otherwise, with the refusals the rule brings (401, 403 for admin routes, 429).
    /// </summary>
    private static void ApplyAccessRule(OpenApiOperation operation, IList<object> metadata, OpenApiDocument document)
    {
        // The one status without a reason phrase of its own: tus's checksum extension.
        if (operation.Responses?.GetValueOrDefault("460") is OpenApiResponse { Description: null or "" } checksum)
            checksum.Description = "Checksum Mismatch: the body does not match its Upload-Checksum (tus checksum extension); its bytes were dropped.";
        if (metadata.OfType<IAllowAnonymous>().Any())
        {
            operation.Security = [];
            return;
        }
        operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SecuritySchemeName, document)] = [] }];
        var admins = metadata.OfType<IAuthorizeData>().LastOrDefault()?.Policy is not BrokerAccess.ForClients;
        operation.Responses ??= new OpenApiResponses();
        AddProblem(operation, document, StatusCodes.Status401Unauthorized, "No token, or one that is unknown or revoked (WWW-Authenticate: Bearer).");
        if (admins) AddProblem(operation, document, StatusCodes.Status403Forbidden, "A client token on a route for admin tokens.");
        AddProblem(operation, document, StatusCodes.Status429TooManyRequests,
            "More than requests_per_second_per_token with this token, or too many wrong tokens from this address; Retry-After says when to come back.");
    }

    private static void AddProblem(OpenApiOperation operation, OpenApiDocument document, int status, string description)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.ContainsKey(key)) return;
        operation.Responses[key] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference("ProblemDetails", document) } },
        };
    }
}
