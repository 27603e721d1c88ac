using MediaBroker.Broker.Auth;
using MediaBroker.Broker.Dashboard;
using MediaBroker.Broker.Events;
using MediaBroker.Broker.Health;
using MediaBroker.Broker.Monitoring;
using MediaBroker.Broker.Uploads.Tus;

namespace MediaBroker.Broker.Api;

/// <summary>The whole HTTP surface of a broker, in the order a request meets it.</summary>
public static class BrokerApi
{
    public static WebApplication MapBrokerApi(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = ProblemResponses.UnexpectedErrorAsync });
        app.UseStatusCodePages(ProblemResponses.ExplainBareStatusAsync);
        app.UseRequestLimits();
        app.UseProblemResponses();
        app.UseTusMethodOverride();
        app.UseRouting();
        app.UseBrokerAccess();
        app.MapItems();
        app.MapTusUploads();
        app.MapServer();
        app.MapStats();
        app.MapEvents();
        app.MapSignedLinks();
        app.MapTokens();
        app.MapDashboard();
        app.MapHealth();
        app.MapApiReference();
        app.MapBrokerMetrics();
        return app;
    }
}
