using System.Globalization;
using System.Threading.RateLimiting;
using MediaBroker.Broker.Configuration;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;

namespace MediaBroker.Broker.Auth;

/// <summary>
/// Who may call what. Every route names its rule (<see cref="ForClients"/>, <see cref="ForAdmins"/>, or anonymous
/// for signed links); a route that names none falls to the admin rule, so a forgotten rule never opens a door.
/// Requests are then limited per token (requests_per_second_per_token).
/// </summary>
public static class BrokerAccess
{
    /// <summary>Any token: a client acts on its own items, an admin on all.</summary>
    public const string ForClients = "client";
    /// <summary>Admin tokens only.</summary>
    public const string ForAdmins = "admin";

    public static IServiceCollection AddBrokerAccess(this IServiceCollection services, BrokerSettings settings)
    {
        services.AddSingleton<TokenRegistry>().AddSingleton<AnonymousAccess>().AddSingleton<FailedAttempts>().AddSingleton<LinkSigner>().AddSingleton<TokenBook>();
        services.AddAuthentication(BearerTokenHandler.SchemeName).AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, BearerTokenHandler>(
            BearerTokenHandler.SchemeName, null);
        var admins = new AuthorizationPolicyBuilder(BearerTokenHandler.SchemeName).RequireRole(AccessRole.Admin.WireName()).Build();
        services.AddAuthorizationBuilder()
            .AddPolicy(ForClients, policy => policy.AddAuthenticationSchemes(BearerTokenHandler.SchemeName).RequireAuthenticatedUser())
            .AddPolicy(ForAdmins, admins)
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(BearerTokenHandler.SchemeName).AddRequirements(new AdminOnMappedRoutes()).Build());
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => PartitionOf(context, settings));
            limiter.OnRejected = (rejected, cancellationToken) =>
            {
                var context = rejected.HttpContext;
                if (rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                    context.Response.Headers.RetryAfter = Math.Max(1, Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                return new ValueTask(TypedResults.Problem(
                    $"more than {settings.RequestsPerSecondPerToken} requests a second with this token (requests_per_second_per_token); slow down",
                    statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests").ExecuteAsync(context));
            };
        });
        return services;
    }

    /// <summary>After routing: who is calling, how often, and whether the route lets them.</summary>
    public static IApplicationBuilder UseBrokerAccess(this IApplicationBuilder app)
    {
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        return app;
    }

    /// <summary>
    /// The rule of a route that names none: admins only. An unknown path (404) or method (405, which routing answers
    /// with an endpoint of its own) reveals nothing and passes, rather than answer a misleading 401 or 403.
    /// </summary>
    private sealed class AdminOnMappedRoutes : AuthorizationHandler<AdminOnMappedRoutes>, IAuthorizationRequirement
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AdminOnMappedRoutes requirement)
        {
            var mapped = context.Resource is not HttpContext http || http.GetEndpoint() is RouteEndpoint;
            if (!mapped || context.User.IsInRole(AccessRole.Admin.WireName())) context.Succeed(requirement);
            return Task.CompletedTask;
        }
    }

    public static TBuilder ForClientsOnly<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(ForClients);

    public static TBuilder ForAdminsOnly<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(ForAdmins);

    /// <summary>
    /// One bucket per token (requests_per_second_per_token a second, bursts of two seconds' worth); unlimited for the
    /// anonymous user on loopback, who is this machine; per address for anyone else without a token.
    /// </summary>
    private static RateLimitPartition<string> PartitionOf(HttpContext context, BrokerSettings settings)
    {
        var caller = Caller.From(context.User);
        if (settings.RequestsPerSecondPerToken <= 0 || caller == Caller.Anonymous && AnonymousAccess.ListensOnLoopbackOnly(settings))
            return RateLimitPartition.GetNoLimiter("unlimited");
        var key = caller is not null && caller != Caller.Anonymous ? "token:" + caller.Name : "address:" + context.Connection.RemoteIpAddress;
        var perSecond = (int)Math.Ceiling(settings.RequestsPerSecondPerToken);
        return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, 2 * perSecond),
            TokensPerPeriod = Math.Max(1, perSecond),
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }
}
