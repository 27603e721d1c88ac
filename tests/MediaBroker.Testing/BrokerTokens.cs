using System.Net.Http.Headers;
using MediaBroker.Broker.Auth;
using Microsoft.Extensions.DependencyInjection;

namespace MediaBroker.Testing;

/// <summary>Tokens for tests of a <see cref="RunningBroker"/>: made as <c>media-broker token add</c> makes them, and clients that send them.</summary>
public static class BrokerTokens
{
    /// <returns>The new token's secret.</returns>
    public static async Task<string> AddTokenAsync(this RunningBroker broker, string name, string role = "client", string? clientId = null) =>
        (await broker.Services.GetRequiredService<TokenBook>().AddAsync(name, role, clientId)).Token;

    public static Task<bool> RevokeTokenAsync(this RunningBroker broker, string name) =>
        broker.Services.GetRequiredService<TokenBook>().RevokeAsync(name);

    /// <summary>An HttpClient for the broker that sends <paramref name="token"/> (none when null).</summary>
    public static HttpClient ClientWith(this RunningBroker broker, string? token)
    {
        var http = new HttpClient { BaseAddress = broker.Url, Timeout = TimeSpan.FromMinutes(5) };
        if (token is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }
}
