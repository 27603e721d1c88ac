using MediaBroker.Shared.Reliability;
using MediaBroker.Testing;
using Xunit.Abstractions;

namespace MediaBroker.EndToEnd.Tests;

/// <summary>
/// The index's own steps, each killed at more than its first time: appending a line to index.journal, and every step
/// of a snapshot rewrite (the merged index.json written, flushed and renamed; the journal started again with the
/// lines written meanwhile). The scenario's data folder is small, so a snapshot is rewritten after almost every
/// change and each of those steps is passed many times. After each kill the broker is started again, the scenario
/// carried to its end, and then nothing accepted may be lost or there twice, and the index (index.json plus its
/// journal) must agree with the folders.
/// </summary>
public sealed class JournalCrashPointTests(ITestOutputHelper log) : IDisposable
{
    private readonly TempFolder _folder = new("journal-crash-points");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task The_broker_keeps_every_promise_whichever_index_step_it_is_killed_at()
    {
        var steps = await BrokerCrashScenario.StepsAsync(_folder);
        var indexSteps = steps.Where(step => step.Name.Contains("index.journal", StringComparison.Ordinal) || step.Name.Contains("index.json", StringComparison.Ordinal)).ToList();
        // The first, second and last time each point is reached: an append into an empty journal and into one with
        // lines, a rewrite of the first snapshot and of a later one.
        var kills = indexSteps.GroupBy(step => step.Name)
            .SelectMany(point => new[] { 1, 2, point.Max(step => step.Occurrence) }.Where(n => n <= point.Max(step => step.Occurrence)).Distinct()
                .Select(occurrence => (Occurrence: occurrence, Name: point.Key)))
            .ToList();
        log.WriteLine($"{indexSteps.Count} index steps at {indexSteps.Select(step => step.Name).Distinct().Count()} named points; {kills.Count} kills");
        Assert.Contains(kills, kill => kill.Name.Contains("FileStream.Written <data>/index.journal", StringComparison.Ordinal));
        Assert.Contains(kills, kill => kill.Name.StartsWith("File.Move <data>/.index.json.<id>.tmp -> <data>/index.json", StringComparison.Ordinal));
        Assert.Contains(kills, kill => kill.Name.StartsWith("File.Move <data>/.index.journal.<id>.tmp -> <data>/index.journal", StringComparison.Ordinal));

        var failures = new List<string>();
        for (var i = 0; i < kills.Count; i++)
        {
            var (occurrence, name) = kills[i];
            var run = _folder.Combine($"kill-{i}");
            var reached = run + ".log";
            await using var scenario = new BrokerCrashScenario(_folder, Path.Combine(run, "data"));
            try
            {
                await scenario.RunAsync(new Dictionary<string, string>
                {
                    [CrashPoints.CrashAtVariable] = CrashPoints.At(occurrence, name),
                    [CrashPoints.LogVariable] = reached,
                });
                var killed = File.ReadLines(reached).Last() == CrashPoints.At(occurrence, name) && scenario.Restarts > 0;
                // Snapshot rewrites run in the background, so how many a run makes depends on timing: the last time a
                // point was passed in the recorded run may not come in this one. The first and second always do.
                Assert.True(killed || occurrence > 2, "the broker was not killed there");
                Invariants.BrokerHolds(Disk.DataFolder(Path.Combine(run, "data")), scenario.Accepted, scenario.Deleted);
                log.WriteLine(killed ? $"ok   {occurrence}|{name}" : $"ok   {occurrence}|{name} (not reached this time; the invariants hold)");
            }
            catch (Exception error)
            {
                failures.Add($"{occurrence}|{name}: {error.Message}");
                log.WriteLine($"FAIL {occurrence}|{name}: {error.Message}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {kills.Count} kills in the index's steps broke a promise:\n{string.Join('\n', failures)}");
    }
}
