using System.Net.Http.Json;
using System.Text.RegularExpressions;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;
using MediaBroker.Testing;
using Xunit.Abstractions;

namespace MediaBroker.Broker.Tests.Security;

/// <summary>
/// docs/security.md's table of hostile requests, sent at a broker with tokens on: each gets the answer the table
/// gives it (never a 5xx; a refusal is problem+json with a detail), no file appears outside the data folder, no item
/// changes. The table and <see cref="HostileRequests.All"/> must list the same requests.
/// </summary>
public sealed partial class HostileRequestTableTests(HostileRequestTableTests.Target fixture, ITestOutputHelper log) : IClassFixture<HostileRequestTableTests.Target>
{
    /// <summary>
    /// Answers without a body: a HEAD, and requests Kestrel refuses before any of the broker's code runs (docs/security.md
    /// says why). Every other refusal is problem+json with a detail.
    /// </summary>
    private static readonly HashSet<string> WithoutBody = ["H16", "H78"];

    public sealed record Row(string Id, string Request, int Status)
    {
        public override string ToString() => $"{Id} {Request}";
    }

    public static IReadOnlyList<Row> Table { get; } = ReadTable();

    public static TheoryData<string> Ids() => [.. Table.Select(row => row.Id)];

    [Fact]
    public void The_table_in_docs_security_md_and_the_requests_sent_are_the_same_forty_or_more()
    {
        Assert.True(Table.Count >= 40, $"docs/security.md lists {Table.Count} hostile requests; the issue asks for at least 40");
        Assert.Equal(HostileRequests.All.Keys.Order(), Table.Select(row => row.Id).Order());
        Assert.Equal(Table.Count, Table.Select(row => row.Id).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task A_hostile_request_gets_the_answer_of_the_table_and_harms_nothing(string id)
    {
        var row = Table.Single(row => row.Id == id);
        var itemsBefore = await fixture.ItemsAsync();
        var outsideBefore = fixture.FilesOutsideData();

        var answer = await HostileRequests.All[id](fixture.Hostile);

        log.WriteLine($"{row}: {answer.Status} {answer.ContentType} {answer.Body}");
        Assert.True(answer.Status < 500, $"{row}: {answer.Status} {answer.Body}");
        Assert.True(answer.Status == row.Status, $"{row}: answered {answer.Status}, the table says {row.Status}: {answer.Body}");
        if (answer.Status >= 400 && !WithoutBody.Contains(id))
        {
            Assert.Equal("application/problem+json", answer.ContentType);
            Assert.Matches("\"detail\":\"[^\"]{10,}", answer.Body);
        }
        Assert.Equal(outsideBefore, fixture.FilesOutsideData());
        Assert.Equal(itemsBefore, await fixture.ItemsAsync());
    }

    private static List<Row> ReadTable()
    {
        var text = File.ReadAllText(Path.Combine(Repository.Root, "docs", "security.md"));
        return TableRow().Matches(text).Select(match => new Row(match.Groups[1].Value, match.Groups[2].Value.Trim(),
            int.Parse(match.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture))).ToList();
    }

    [GeneratedRegex(@"^\| (H\d\d) \| (.+?) \| (\d{3})\b", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    /// <summary>A broker with tokens alice and bob (clients), root (admin) and gone (revoked); alice has a converted item and an unfinished upload.</summary>
    public sealed class Target : IAsyncLifetime
    {
        private readonly TempFolder _folder = new("hostile");
        public HostileTarget Hostile { get; private set; } = null!;
        private string DataPath => _folder.Combine("data");

        public async Task InitializeAsync()
        {
            // Every wrong-token row comes from 127.0.0.1: more than the lockout allows, which has a test of its own.
            var broker = await RunningBroker.StartAsync(DataPath, settings => settings with
            {
                FailedTokenAttemptsPerMinute = 10_000, MaxUploadBytes = 50L << 20,
                MaxUnfinishedUploadsPerClient = HostileTarget.UnfinishedUploadsPerClient, MaxUnfinishedUploadBytesPerClient = 80L << 20,
            });
            var alice = await broker.AddTokenAsync("alice");
            var revoked = await broker.AddTokenAsync("gone");
            await broker.RevokeTokenAsync("gone");
            var aliceHttp = broker.ClientWith(alice);
            var picture = await File.ReadAllBytesAsync(await TestMedia.ImageAsync(_folder.Combine("media", "p.png"), seed: 5));
            using var uploaded = await aliceHttp.PostAsync("api/items?file_name=p.png", new ByteArrayContent(picture));
            var item = await new BrokerApiClient(aliceHttp).WaitUntilFinishedAsync((await uploaded.ReadItemAsync()).ItemId);
            Assert.Equal(ItemStatus.FinishedSuccessful, item.Status);
            // Alice has fetched her output once, as her client would: the first download is recorded on the item (its
            // timings), and is no change a hostile request may be blamed for.
            (await aliceHttp.GetAsync($"api/items/{item.ItemId}/output")).Dispose();
            await Eventually.TrueAsync(async () => (await new BrokerApiClient(aliceHttp).GetItemAsync(item.ItemId)).Timings?.WaitingToBeFetchedSeconds is not null,
                "the first download to be recorded");
            Hostile = new HostileTarget
            {
                Broker = broker,
                Anonymous = broker.ClientWith(null),
                Alice = aliceHttp,
                Bob = broker.ClientWith(await broker.AddTokenAsync("bob")),
                Admin = broker.ClientWith(await broker.AddTokenAsync("root", "admin")),
                Revoked = broker.ClientWith(revoked),
                AliceToken = alice,
                AliceItem = item.ItemId,
                AliceUpload = await new RawTus(aliceHttp).CreateLocationAsync(1000, RawTus.Metadata(("filename", "half.mkv"))),
                Picture = picture,
                Bomb = await File.ReadAllBytesAsync(await TestPictures.JpegClaimingAsync(_folder.Combine("media", "bomb.jpg"), 60000, 60000)),
            };
        }

        /// <summary>Every item with its version and state, as an admin sees them.</summary>
        public async Task<string> ItemsAsync()
        {
            var page = await Hostile.Admin.GetFromJsonAsync("api/items?limit=1000", WireJsonContext.Default.ItemPage);
            return string.Join('\n', page!.Items.Select(item => $"{item.ItemId} {item.Version} {item.Status} {item.Output?.Sha512Checksum}"));
        }

        /// <summary>Every file under the test's folder but the data folder: where an escaped path would land.</summary>
        public string FilesOutsideData() => string.Join('\n', Directory.EnumerateFiles(_folder.Path, "*", SearchOption.AllDirectories)
            .Where(path => !path.StartsWith(DataPath + Path.DirectorySeparatorChar, StringComparison.Ordinal)).Order());

        public async Task DisposeAsync()
        {
            foreach (var http in new[] { Hostile.Anonymous, Hostile.Alice, Hostile.Bob, Hostile.Admin, Hostile.Revoked }) http.Dispose();
            await Hostile.Broker.DisposeAsync();
            _folder.Dispose();
        }
    }
}
