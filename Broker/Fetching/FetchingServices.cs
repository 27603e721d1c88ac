using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Fetching.Http;
using MediaBroker.Broker.Fetching.Safety;
using MediaBroker.Broker.Fetching.YtDlp;

namespace MediaBroker.Broker.Fetching;

public static class FetchingServices
{
    /// <summary>Fetching links: the address rules, the guarded HTTP client, direct downloads and yt-dlp, behind <see cref="IInputFetcher"/>.</summary>
    public static IServiceCollection AddInputFetching(this IServiceCollection services)
    {
        services.AddSingleton(provider => new UrlAllowList(provider.GetRequiredService<BrokerSettings>().UrlAllowList));
        services.AddSingleton<AddressRules>().AddSingleton<GuardedConnection>().AddSingleton<LinkHttpClient>();
        services.AddSingleton<HttpDownload>().AddSingleton<YtDlpFetcher>();
        services.AddSingleton<IInputFetcher, LinkFetcher>();
        return services;
    }
}
