using MediaBroker.Broker.Hosting;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Lifecycle;

/// <summary>A start that fails half way through recovery (here: a full disk) leaves the data folder marked for a full check.</summary>
public sealed class StartupFailureTests : IDisposable
{
    private readonly TempFolder _folder = new("startup-failure");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_recovery_that_fails_half_way_keeps_broker_pid_so_the_next_start_checks_every_folder_again()
    {
        var disk = new FaultyFileSystem();
        var data = new DataFolder(_folder.Combine("data"), disk);
        data.EnsureCreated();
        // A broker died while converting: its item must go back to to_do, which means writing its item.json.
        var item = ItemDrafts.Draft("a film"u8.ToArray()) with { Status = ItemStatus.InProgress, Version = 2 };
        var folder = data.ItemFolder(item);
        disk.Directory.CreateDirectory(folder);
        disk.File.WriteAllText(disk.Path.Combine(folder, ItemFiles.Input), "a film");
        disk.File.WriteAllText(disk.Path.Combine(folder, ItemFiles.Metadata),
            System.Text.Json.JsonSerializer.Serialize(item, MediaBroker.Shared.Json.WireJsonContext.Default.Item));
        disk.File.WriteAllText(data.RunMarkerFile, "999999\n");
        disk.SpaceLeft = 16; // enough for this start's broker.pid, not for recovery's writes

        var settings = RunningBroker.SettingsFor(data.Root);
        await using var app = BrokerApp.Create(settings, new BrokerHostOptions { LogToConsole = false, Files = disk });
        await Assert.ThrowsAsync<IOException>(() => app.StartAsync());

        Assert.True(disk.File.Exists(data.RunMarkerFile), "broker.pid was released: the next start would trust an index recovery never wrote");
    }
}
