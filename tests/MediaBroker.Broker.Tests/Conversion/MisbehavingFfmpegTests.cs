using MediaBroker.Shared.Items;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Conversion;

/// <summary>
/// ffmpeg that hangs, crashes or writes garbage (a stand-in configured as ffmpeg_path that misbehaves on its first
/// conversion, then runs the real one): the item fails with a reason a person understands, nothing partial stays, and
/// the slot is free for the next item.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class MisbehavingFfmpegTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("misbehaving-ffmpeg");
    private readonly BrokerFleet _brokers;

    public MisbehavingFfmpegTests() => _brokers = new BrokerFleet(_folder);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _brokers.DisposeAsync();
        _folder.Dispose();
    }

    [Theory]
    [InlineData("hangs", "sleep 3600", "ffmpeg was stopped after")]
    [InlineData("crashes", "kill -SEGV $$", "ffmpeg failed with exit code")]
    [InlineData("writes garbage", "head -c 5000 /dev/urandom > \"${out#file:}\"; exit 0", "ffmpeg finished but its output cannot be read back")]
    public async Task An_ffmpeg_that_misbehaves_fails_the_item_with_a_clear_reason_and_frees_the_slot(string behaviour, string misbehave, string reason)
    {
        var first = _folder.Combine($"{behaviour.Replace(' ', '-')}.first");
        var ffmpeg = _folder.WriteScript($"ffmpeg-that-{behaviour.Replace(' ', '-')}", $$"""
            #!/bin/bash
            out="${@: -1}"
            if [ "$1" != "-version" ] && [ ! -e "{{first}}" ]; then
              touch "{{first}}"
              {{misbehave}}
            fi
            exec ffmpeg "$@"
            """);
        var broker = await _brokers.StartAsync(settings => settings with
        {
            FfmpegPath = ffmpeg, ConversionTimeoutMinSeconds = 3, ConversionTimeoutFactor = 1,
        });
        var bad = await (await broker.PostMultipartAsync(await TestMedia.AudioAsync(_folder.Combine($"{behaviour}-a.wav"), seed: 97))).ReadItemAsync();
        var good = await (await broker.PostMultipartAsync(await TestMedia.AudioAsync(_folder.Combine($"{behaviour}-b.wav"), seed: 98))).ReadItemAsync();

        var failed = await broker.Api.WaitUntilFinishedAsync(bad.ItemId);
        var converted = await broker.Api.WaitUntilFinishedAsync(good.ItemId);

        Assert.Equal(ItemStatus.FinishedWithErrors, failed.Status);
        Assert.Contains(reason, failed.Errors[0], StringComparison.Ordinal);
        Assert.Equal(ItemStatus.FinishedSuccessful, converted.Status);
        DataFolderAssert.NoPartialFiles(broker.Store.Data, whileRunning: true);
    }
}
