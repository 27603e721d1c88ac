using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Configuration;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Lifecycle;

/// <summary>The data folder's run marker: an OS lock while a broker runs, and a note of whether the last run stopped cleanly.</summary>
public sealed class RunMarkerTests : IDisposable
{
    private readonly TempFolder _folder = new("run-marker");
    private readonly DataFolder _data;

    public RunMarkerTests()
    {
        _data = Disk.DataFolder(_folder.Combine("data"));
        _data.EnsureCreated();
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_second_claim_on_a_folder_in_use_is_refused_even_from_the_same_process()
    {
        using var first = RunMarker.Acquire(_data, Disk.Real);

        var error = Assert.Throws<ConfigurationException>(() => RunMarker.Acquire(_data, Disk.Real));

        Assert.Equal($"data_path: another broker (pid {Environment.ProcessId}) is using {_data.Root}; stop it first or choose another --data",
            Assert.Single(error.Problems));
    }

    [Fact]
    public void A_broker_that_died_leaves_no_lock_behind_only_the_note_that_it_did_not_stop_cleanly()
    {
        var dead = RunMarker.Acquire(_data, Disk.Real);
        dead.Abandon(); // as a kill -9 would: the kernel drops the lock, broker.pid stays

        using var next = RunMarker.Acquire(_data, Disk.Real);

        Assert.False(next.PreviousRunStoppedCleanly);
    }

    [Fact]
    public void After_a_clean_stop_the_next_start_knows_it()
    {
        RunMarker.Acquire(_data, Disk.Real).Dispose();

        using var next = RunMarker.Acquire(_data, Disk.Real);

        Assert.True(next.PreviousRunStoppedCleanly);
    }
}
