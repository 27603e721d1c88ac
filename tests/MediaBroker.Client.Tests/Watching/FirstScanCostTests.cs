using MediaBroker.Client.State;
using MediaBroker.Testing;
using Microsoft.Extensions.Time.Testing;

namespace MediaBroker.Client.Tests.Watching;

/// <summary>
/// Runs alone: it counts what the whole process allocates, which tests running beside it would add to.
/// </summary>
[CollectionDefinition(nameof(MeasuredAlone), DisableParallelization = true)]
public sealed class MeasuredAlone;

[Collection(nameof(MeasuredAlone))]
public sealed class FirstScanCostTests
{
    /// <summary>
    /// The work of taking a library for the first time must grow with the number of files, not with its square: a
    /// scan that walks every record for every file takes hours on 100,000 files. Work is counted as bytes allocated,
    /// which, unlike time, a busy machine does not change.
    /// </summary>
    [Fact]
    public async Task Taking_a_library_four_times_as_large_costs_about_four_times_as_much_not_sixteen()
    {
        var small = await BytesAllocatedTakingAsync(files: 1_000);
        var large = await BytesAllocatedTakingAsync(files: 4_000);

        var ratio = (double)large / small;
        Assert.True(ratio < 6, $"taking 1,000 files allocated {small:N0} bytes, 4,000 files {large:N0} bytes: {ratio:0.0}x for 4x the files");
    }

    private static async Task<long> BytesAllocatedTakingAsync(int files)
    {
        using var client = new ClientHarness("first-scan");
        client.Configure([("local", new Uri("http://127.0.0.1:9"))]);
        for (var i = 0; i < files; i++) await File.WriteAllBytesAsync(Path.Combine(client.Drop, $"clip{i}.mp4"), BitConverter.GetBytes(i));
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var context = client.Open(clock);
        await context.Scanner.ScanAsync(CancellationToken.None); // every file seen once: waiting to be stable
        clock.Advance(TimeSpan.FromSeconds(10));

        var before = GC.GetTotalAllocatedBytes(precise: true);
        await context.Scanner.ScanAsync(CancellationToken.None); // every file hashed and taken
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(files, context.Database.All().Count(file => file.Status == FileStatus.Ready));
        return allocated;
    }
}
