using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;
using MediaBroker.Testing;
using Microsoft.Extensions.Time.Testing;

namespace MediaBroker.Broker.Tests.Auth;

/// <summary>Signed links fetch an output without a token until they expire; any change to one makes it 403.</summary>
public sealed class SignedLinkTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("signed-links");
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private RunningBroker _broker = null!;
    private HttpClient _owner = null!;
    private HttpClient _nobody = null!;
    private Item _item = null!;
    private byte[] _output = [];

    public async Task InitializeAsync()
    {
        _broker = await RunningBroker.StartAsync(_folder.Combine("data"), time: _clock);
        _owner = _broker.ClientWith(await _broker.AddTokenAsync("alice"));
        _nobody = _broker.ClientWith(null);
        _item = await UploadAsync(1);
        _output = await _owner.GetByteArrayAsync($"api/items/{_item.ItemId}/output");
    }

    public async Task DisposeAsync()
    {
        _owner.Dispose();
        _nobody.Dispose();
        await _broker.DisposeAsync();
        _folder.Dispose();
    }

    private async Task<Item> UploadAsync(int seed)
    {
        var image = await TestMedia.ImageAsync(_folder.Combine($"photo {seed}.png"), seed: seed);
        using var response = await _owner.PostAsync($"api/items?file_name={Uri.EscapeDataString($"photo {seed}.png")}",
            new ByteArrayContent(await File.ReadAllBytesAsync(image)));
        return await new BrokerApiClient(_owner).WaitUntilFinishedAsync((await response.ReadItemAsync()).ItemId);
    }

    private async Task<SignedLink> LinkAsync(Guid itemId, string query = "")
    {
        using var response = await _owner.PostAsync($"api/items/{itemId}/link{query}", null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(WireJsonContext.Default.SignedLink))!;
    }

    [Fact]
    public async Task A_link_fetches_the_output_without_a_token_with_range_and_head()
    {
        var link = await LinkAsync(_item.ItemId);

        Assert.StartsWith($"{_broker.Url}links/{_item.ItemId}/photo%201.webp?expires=", link.Url, StringComparison.Ordinal);
        Assert.Contains("&by=alice&", link.Url, StringComparison.Ordinal);
        Assert.Equal(_clock.GetUtcNow().AddDays(1).ToUnixTimeSeconds(), link.ExpiresAt.ToUnixTimeSeconds());
        var whole = await _nobody.GetByteArrayAsync(link.Url);
        Assert.Equal(_output, whole);
        Assert.Equal(_item.Output!.Sha512Checksum, Sha512Hex.Of(whole));

        using var ranged = new HttpRequestMessage(HttpMethod.Get, link.Url);
        ranged.Headers.Range = new RangeHeaderValue(10, 19);
        using var part = await _nobody.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(_output[10..20], await part.Content.ReadAsByteArrayAsync());

        using var head = await _nobody.SendAsync(new HttpRequestMessage(HttpMethod.Head, link.Url));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(_output.Length, head.Content.Headers.ContentLength);
        Assert.Contains("no-store", head.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_link_works_until_it_expires_and_then_says_so()
    {
        var link = await LinkAsync(_item.ItemId, "?expires_in=3600");

        _clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(HttpStatusCode.OK, (await _nobody.GetAsync(link.Url)).StatusCode);
        _clock.Advance(TimeSpan.FromMinutes(2));
        using var expired = await _nobody.GetAsync(link.Url);

        Assert.Equal(HttpStatusCode.Forbidden, expired.StatusCode);
        Assert.Contains("expired", await expired.ReadProblemDetailAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Changing_any_part_of_a_link_makes_it_403()
    {
        var other = await UploadAsync(2);
        var link = new Uri((await LinkAsync(_item.ItemId)).Url);
        var query = System.Web.HttpUtility.ParseQueryString(link.Query);
        var expires = long.Parse(query["expires"]!, System.Globalization.CultureInfo.InvariantCulture);
        var signature = query["signature"]!;
        var by = query["by"]!;
        var path = link.AbsolutePath;
        string Flip(string text) => (text[0] == 'A' ? 'B' : 'A') + text[1..];

        var changed = new Dictionary<string, string>
        {
            ["another item"] = $"{path.Replace(_item.ItemId.ToString(), other.ItemId.ToString())}?expires={expires}&by={by}&signature={signature}",
            ["another file name"] = $"{path.Replace("photo%201.webp", "photo%202.webp")}?expires={expires}&by={by}&signature={signature}",
            ["a later expiry"] = $"{path}?expires={expires + 86400}&by={by}&signature={signature}",
            ["an earlier expiry"] = $"{path}?expires={expires - 1}&by={by}&signature={signature}",
            ["another maker"] = $"{path}?expires={expires}&by=root&signature={signature}",
            ["another signature"] = $"{path}?expires={expires}&by={by}&signature={Flip(signature)}",
            ["a signature cut short"] = $"{path}?expires={expires}&by={by}&signature={signature[..^1]}",
            ["no signature"] = $"{path}?expires={expires}&by={by}",
            ["no maker"] = $"{path}?expires={expires}&signature={signature}",
            ["no expiry"] = $"{path}?by={by}&signature={signature}",
        };
        foreach (var (what, url) in changed)
        {
            using var response = await _nobody.GetAsync(url);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{what}: {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(HttpStatusCode.OK, (await _nobody.GetAsync(link)).StatusCode);
    }

    [Fact]
    public async Task Rotating_the_link_key_ends_every_link_given_so_far()
    {
        var link = await LinkAsync(_item.ItemId);

        var rotated = await BrokerCommand.RunAsync(_folder.Path, "token", "rotate-link-key", "--data", _folder.Combine("data"));

        Assert.True(rotated.ExitCode == 0, rotated.ToString());
        Assert.Equal(HttpStatusCode.Forbidden, (await _nobody.GetAsync(link.Url)).StatusCode);
        var fresh = await LinkAsync(_item.ItemId);
        Assert.Equal(HttpStatusCode.OK, (await _nobody.GetAsync(fresh.Url)).StatusCode);
    }

    [Fact]
    public async Task Revoking_the_token_that_made_a_link_ends_the_link()
    {
        var link = await LinkAsync(_item.ItemId);
        Assert.Equal(HttpStatusCode.OK, (await _nobody.GetAsync(link.Url)).StatusCode);

        await _broker.RevokeTokenAsync("alice");
        using var refused = await _nobody.GetAsync(link.Url);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("the token that made this link ('alice') was revoked", await refused.ReadProblemDetailAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("?expires_in=10")]
    [InlineData("?expires_in=99999999")]
    [InlineData("?expires_in=soon")]
    public async Task A_lifetime_out_of_range_is_a_400_that_says_the_range(string query)
    {
        using var response = await _owner.PostAsync($"api/items/{_item.ItemId}/link{query}", null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("from 60 to 2592000", await response.ReadProblemDetailAsync(), StringComparison.Ordinal);
    }
}
