using MediaBroker.Shared.Items;
using MediaBroker.Testing;

namespace MediaBroker.Client.Tests.CommandLine;

/// <summary>media-client add-url as a user runs it: a real client process, a real broker that fetches from a loopback web server.</summary>
public sealed class AddUrlCommandTests : IAsyncLifetime
{
    private readonly ClientHarness _client = new("add-url");
    private PausingLinkServer _server = null!;
    private RunningBroker _broker = null!;

    public async Task InitializeAsync()
    {
        _server = await PausingLinkServer.StartAsync();
        _broker = await RunningBroker.StartAsync(_client.Folder.Combine("broker"),
            settings => settings with { UrlAllowList = ["127.0.0.1"], LibraryPath = _client.Folder.Combine("broker-library") });
        _client.Configure([("attic", _broker.Url)], besideSource: true);
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        await _server.DisposeAsync();
        _client.Dispose();
    }

    private Task<ClientProcess.Result> RunAsync(params string[] arguments) =>
        ClientProcess.RunAsync(_client.Folder.Path, [.. arguments, "--config", _client.ConfigPath]);

    [Fact]
    public async Task A_link_handed_in_prints_its_item_which_the_broker_fetches_converts_and_status_shows()
    {
        var clip = await TestMedia.VideoAsync(_client.Folder.Combine("pier.mkv"), seconds: 1, size: "160x120");
        var link = _server.Serve("pier.mkv", clip);

        var added = await RunAsync("add-url", link.AbsoluteUri, "--type", "mkv_x264", "--dir", "Trips");

        Assert.Equal(0, added.ExitCode);
        var line = System.Text.RegularExpressions.Regex.Match(added.Output, @"item ([0-9a-f-]{36}) on attic \(mkv_x264, to_do, downloading\)");
        Assert.True(line.Success, added.Output);
        var itemId = Guid.Parse(line.Groups[1].Value);
        var finished = await _broker.Api.WaitUntilFinishedAsync(itemId);
        Assert.Equal(ItemStatus.FinishedSuccessful, finished.Status);
        Assert.Equal(("Trips", link.AbsoluteUri), (finished.Directory, finished.Source?.Url));

        var status = await RunAsync("status", itemId.ToString(), "--json");
        Assert.Equal(0, status.ExitCode);
        Assert.Contains($"\"url\": \"{link.AbsoluteUri}\"", status.Output, StringComparison.Ordinal);
        Assert.Contains("\"status\": \"finished_successful\"", status.Output, StringComparison.Ordinal);

        // The plain table says where the output went in the broker's library.
        var placed = await _broker.Api.WaitForAsync(itemId, item => item.Library is not null, "the output to be placed in the library");
        Assert.Equal("Trips/pier.mkv", placed.Library?.Path);
        var table = await RunAsync("status", itemId.ToString());
        Assert.True(table.ExitCode == 0, table.Output + table.Errors);
        Assert.Contains("library: Trips/pier.mkv", table.Output, StringComparison.Ordinal);

        var again = await RunAsync("add-url", link.AbsoluteUri, "--type", "mkv_x264");
        Assert.Equal(0, again.ExitCode);
        Assert.Contains($"item {itemId} on attic (mkv_x264, finished_successful), handed in before", again.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plain_status_lists_a_link_while_the_broker_fetches_it_and_with_all_once_it_is_placed()
    {
        var clip = await TestMedia.VideoAsync(_client.Folder.Combine("harbour.mkv"), seconds: 1, size: "160x120");
        var link = _server.Serve("harbour.mkv", clip);
        _server.HoldAfterBytes = 4096;

        var added = await RunAsync("add-url", link.AbsoluteUri, "--type", "mkv_x264", "--dir", "Trips");
        Assert.Equal(0, added.ExitCode);
        var itemId = Guid.Parse(System.Text.RegularExpressions.Regex.Match(added.Output, @"item ([0-9a-f-]{36}) on attic").Groups[1].Value);
        await _server.Holding.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await _broker.Api.WaitForAsync(itemId, item => item.Download is { Bytes: 4096 }, "the first 4096 bytes on the item");

        // Held half way: plain status shows the link, its download and its whole id (no watched file stands for it).
        var fetching = await RunAsync("status");
        Assert.True(fetching.ExitCode == 0, fetching.Output + fetching.Errors);
        var row = Assert.Single(fetching.Output.Split('\n'), line => line.Contains(link.AbsoluteUri, StringComparison.Ordinal));
        Assert.Contains("downloading", row, StringComparison.Ordinal);
        Assert.True(row.Contains("(4.1 kB of ", StringComparison.Ordinal), row);
        Assert.Contains(itemId.ToString(), row, StringComparison.Ordinal);

        _server.Release();
        await _broker.Api.WaitForAsync(itemId, item => item.Library is not null, "the output to be placed in the library");
        var finished = await RunAsync("status");
        Assert.DoesNotContain(link.AbsoluteUri, finished.Output, StringComparison.Ordinal);
        var all = await RunAsync("status", "--all");
        row = Assert.Single(all.Output.Split('\n'), line => line.Contains(link.AbsoluteUri, StringComparison.Ordinal));
        Assert.Contains("finished_successful", row, StringComparison.Ordinal);
        Assert.Contains("library: Trips/harbour.mkv", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_link_gets_one_clear_line_and_a_non_zero_exit_code()
    {
        var notALink = await RunAsync("add-url", "holiday.mp4");
        Assert.Equal(2, notALink.ExitCode);
        Assert.Contains("'holiday.mp4' is not an http or https link", notALink.Errors, StringComparison.Ordinal);

        var refused = await RunAsync("add-url", "http://127.0.0.1:9/a.mkv", "--type", "gif");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("the broker refused: conversion type 'gif' is not offered here", refused.Errors, StringComparison.Ordinal);
        Assert.Single(refused.Errors.Trim().Split('\n'));

        var unknownServer = await RunAsync("add-url", "http://127.0.0.1:9/a.mkv", "--server", "nowhere");
        Assert.Equal(2, unknownServer.ExitCode);
        Assert.Contains("--server 'nowhere' is not in list_of_servers (attic)", unknownServer.Errors, StringComparison.Ordinal);
    }
}
