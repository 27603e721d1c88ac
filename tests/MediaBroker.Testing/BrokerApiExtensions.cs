using System.Net.Http.Json;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;

namespace MediaBroker.Testing;

public static class BrokerApiExtensions
{
    /// <summary>Polls the item until it is finished (either way) and returns it.</summary>
    public static Task<Item> WaitUntilFinishedAsync(this BrokerApiClient api, Guid itemId, TimeSpan? limit = null) =>
        api.WaitForAsync(itemId, item => item.Status.IsFinished(), "a finished state", limit);

    public static Task<Item> WaitForAsync(this BrokerApiClient api, Guid itemId, Func<Item, bool> condition, string what, TimeSpan? limit = null) =>
        Eventually.GetAsync(async () =>
        {
            var item = await api.GetItemAsync(itemId);
            return condition(item) ? item : null;
        }, $"item {itemId} to reach {what}", limit);

    public static async Task<Item> ReadItemAsync(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync(WireJsonContext.Default.Item))!;

    /// <summary>The detail of a problem+json answer.</summary>
    public static async Task<string> ReadProblemDetailAsync(this HttpResponseMessage response)
    {
        Xunit.Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return problem.RootElement.GetProperty("detail").GetString() ?? "";
    }
}
