using System.Net;
using System.Net.Http.Json;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Auth;

/// <summary>A client token acts for its own client_id only: another client's items and uploads do not exist for it.</summary>
public sealed class OwnershipTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("ownership");
    private RunningBroker _broker = null!;
    private HttpClient _alice = null!;
    private HttpClient _bob = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _broker = await RunningBroker.StartAsync(_folder.Combine("data"));
        _alice = _broker.ClientWith(await _broker.AddTokenAsync("alice"));
        _bob = _broker.ClientWith(await _broker.AddTokenAsync("bob-laptop", clientId: "bob"));
        _admin = _broker.ClientWith(await _broker.AddTokenAsync("root", "admin"));
    }

    public async Task DisposeAsync()
    {
        foreach (var http in new[] { _alice, _bob, _admin }) http.Dispose();
        await _broker.DisposeAsync();
        _folder.Dispose();
    }

    private async Task<Item> UploadAsAsync(HttpClient http, int seed, string? claimedClientId = null)
    {
        var image = await TestMedia.ImageAsync(_folder.Combine($"i{seed}.png"), seed: seed);
        var query = $"file_name=i{seed}.png" + (claimedClientId is null ? "" : $"&client_id={claimedClientId}");
        using var response = await http.PostAsync($"api/items?{query}", new ByteArrayContent(await File.ReadAllBytesAsync(image)));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadItemAsync();
    }

    [Fact]
    public async Task The_client_id_of_an_upload_comes_from_the_token_never_from_the_request()
    {
        var item = await UploadAsAsync(_alice, 1, claimedClientId: "bob");

        Assert.Equal("alice", item.ClientId);
        var bobs = await _bob.GetFromJsonAsync("api/items", WireJsonContext.Default.ItemPage);
        Assert.Empty(bobs!.Items);
    }

    [Fact]
    public async Task Another_clients_item_answers_404_everywhere_as_if_it_did_not_exist_and_stays_untouched()
    {
        var item = await new BrokerApiClient(_alice).WaitUntilFinishedAsync((await UploadAsAsync(_alice, 2)).ItemId);
        var missing = Guid.NewGuid();

        foreach (var (method, path) in new[]
        {
            ("GET", $"api/items/{{0}}"), ("GET", "api/items/{0}/output"), ("HEAD", "api/items/{0}/output"), ("GET", "api/items/{0}/thumbnail"),
            ("POST", "api/items/{0}/link"), ("POST", "api/items/{0}/retry"), ("DELETE", "api/items/{0}"),
        })
        {
            using var foreign = await _bob.SendAsync(new HttpRequestMessage(new HttpMethod(method), string.Format(path, item.ItemId)));
            using var absent = await _bob.SendAsync(new HttpRequestMessage(new HttpMethod(method), string.Format(path, missing)));
            Assert.True(foreign.StatusCode == HttpStatusCode.NotFound, $"{method} {path}: {(int)foreign.StatusCode}");
            // The same answer as for an item that does not exist, but for the id it names.
            if (method != "HEAD")
                Assert.Equal((await absent.ReadProblemDetailAsync()).Replace(missing.ToString(), "ID"),
                    (await foreign.ReadProblemDetailAsync()).Replace(item.ItemId.ToString(), "ID"));
        }

        var bobsList = await _bob.GetFromJsonAsync($"api/items?client_id=alice&sha512={item.Sha512Checksum}", WireJsonContext.Default.ItemPage);
        Assert.Empty(bobsList!.Items);
        var after = await new BrokerApiClient(_alice).GetItemAsync(item.ItemId);
        Assert.Equal(item.Version, after.Version);
        Assert.Equal(ItemStatus.FinishedSuccessful, after.Status);
    }

    [Fact]
    public async Task Content_another_client_sent_already_becomes_an_item_of_ones_own_never_an_answer_with_theirs()
    {
        var alices = await UploadAsAsync(_alice, 5);
        var image = _folder.Combine("i5.png");
        var sha = await MediaBroker.Shared.Hashing.Sha512Hex.OfFileAsync(image);

        using var again = await _alice.PostAsync($"api/items?file_name=i5.png&conversion_type=webp", new ByteArrayContent(await File.ReadAllBytesAsync(image)));
        using var bobs = await _bob.PostAsync($"api/items?file_name=i5.png&conversion_type=webp&sha512_checksum={sha}",
            new ByteArrayContent(await File.ReadAllBytesAsync(image)));

        Assert.Equal(HttpStatusCode.OK, again.StatusCode); // the same client: its existing item
        Assert.Equal(alices.ItemId, (await again.ReadItemAsync()).ItemId);
        Assert.Equal(HttpStatusCode.Created, bobs.StatusCode);
        var bobsItem = await bobs.ReadItemAsync();
        Assert.NotEqual(alices.ItemId, bobsItem.ItemId);
        Assert.Equal("bob", bobsItem.ClientId);
        var found = await _bob.GetFromJsonAsync($"api/items?sha512={sha}&conversion_type=webp", WireJsonContext.Default.ItemPage);
        Assert.Equal([bobsItem.ItemId], found!.Items.Select(item => item.ItemId));
    }

    [Fact]
    public async Task An_admin_sees_and_acts_on_every_clients_items()
    {
        var alices = await UploadAsAsync(_alice, 3);
        var bobs = await UploadAsAsync(_bob, 4);

        var all = await _admin.GetFromJsonAsync("api/items", WireJsonContext.Default.ItemPage);
        Assert.Contains(all!.Items, item => item.ItemId == alices.ItemId);
        Assert.Contains(all.Items, item => item.ItemId == bobs.ItemId);
        var onlyBob = await _admin.GetFromJsonAsync("api/items?client_id=bob", WireJsonContext.Default.ItemPage);
        Assert.Equal([bobs.ItemId], onlyBob!.Items.Select(item => item.ItemId));
        using var deleted = await _admin.DeleteAsync($"api/items/{alices.ItemId}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    [Fact]
    public async Task Another_clients_unfinished_upload_cannot_be_found_read_written_or_cancelled()
    {
        var sha = new string('c', 128);
        var location = await new RawTus(_alice).CreateLocationAsync(1000, RawTus.Metadata(("filename", "a.mkv"), ("sha512", sha)));

        var found = await _bob.GetFromJsonAsync<List<System.Text.Json.JsonElement>>($"api/uploads/?sha512={sha}&client_id=alice");
        Assert.Empty(found!);
        foreach (var method in new[] { HttpMethod.Head, HttpMethod.Patch, HttpMethod.Delete })
        {
            using var request = RawTus.Request(method, location);
            if (method == HttpMethod.Patch)
            {
                request.Headers.Add("Upload-Offset", "0");
                request.Content = RawTus.Body(new byte[10]);
            }
            using var response = await _bob.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method}: {(int)response.StatusCode}");
        }

        using var head = await _alice.SendAsync(RawTus.Request(HttpMethod.Head, location));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("0", head.Headers.GetValues("Upload-Offset").Single());
        var mine = await _alice.GetFromJsonAsync<List<System.Text.Json.JsonElement>>($"api/uploads/?sha512={sha}");
        Assert.Single(mine!);
    }
}
