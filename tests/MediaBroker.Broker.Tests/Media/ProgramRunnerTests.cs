using MediaBroker.Broker.Media;
using MediaBroker.Testing;
using Microsoft.Extensions.Time.Testing;

namespace MediaBroker.Broker.Tests.Media;

/// <summary>
/// How external programs run: every argument arrives as it was given, a stop is SIGINT first and a kill only once the
/// grace period has passed on the broker's clock, and each way a run can end is told apart.
/// </summary>
public sealed class ProgramRunnerTests : IDisposable
{
    private readonly TempFolder _folder = new("program-runner");
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly RunningPrograms _registry = new();
    private readonly ProgramRunner _runner;

    public ProgramRunnerTests() => _runner = new ProgramRunner(_registry, _clock);

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Every_argument_arrives_as_exactly_one_argv_entry_whatever_it_holds()
    {
        string[] hostile = ["", " ", "two words", "\"quoted\"", "'single'", @"back\slash", @"trailing\", @"C:\path with\ spaces\", "tab\there",
            "new\nline", "ünïcødé 🎬", "$HOME", "*", "; rm -rf /", "a\"b\\\"c", "--help", "-i"];

        var result = await _runner.RunAsync(new ProgramRun("printf", ["%s\\0", .. hostile]), CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.Equal(hostile, result.Output.Split('\0')[..^1]);
    }

    [Fact]
    public async Task Ffmpeg_asked_to_stop_gets_SIGINT_and_ends_by_itself_without_being_killed()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var run = _runner.RunAsync(new ProgramRun("ffmpeg",
            ["-hide_banner", "-nostats", "-v", "error", "-progress", "pipe:1", "-re", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25", "-f", "null", "-"])
        {
            OnOutputLine = line => { if (line.StartsWith("progress=", StringComparison.Ordinal)) started.TrySetResult(); },
            StopGracePeriod = TimeSpan.FromHours(1),
        }, stop.Token);
        await started.Task.WaitAsync(Eventually.DefaultLimit);

        await stop.CancelAsync();

        // The clock never moves, so the kill that follows the grace period never comes: ffmpeg ended on SIGINT alone.
        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Eventually.DefaultLimit));
        Assert.Equal(stop.Token, error.CancellationToken);
        Assert.Empty(_registry.All);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_program_that_ignores_SIGINT_is_killed_once_the_grace_period_has_passed_and_not_before()
    {
        var signals = _folder.Combine("signals.log");
        var script = StubbornFfmpeg.Write(_folder, signals);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var grace = TimeSpan.FromSeconds(5);
        var run = _runner.RunAsync(new ProgramRun(script,
            ["-hide_banner", "-nostats", "-v", "error", "-progress", "pipe:1", "-re", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25", "-f", "null", "-"])
        {
            OnOutputLine = line => { if (line.StartsWith("progress=", StringComparison.Ordinal)) started.TrySetResult(); },
            StopGracePeriod = grace,
        }, stop.Token);
        await started.Task.WaitAsync(Eventually.DefaultLimit);
        var program = Assert.Single(_registry.All);
        var ffmpeg = ChildrenOf(program.Pid);
        Assert.NotEmpty(ffmpeg);

        await stop.CancelAsync();
        await Eventually.TrueAsync(() => StubbornFfmpeg.GotSigint(signals), "the program to note the SIGINT");
        _clock.Advance(grace - TimeSpan.FromMilliseconds(1));
        Assert.False(run.IsCompleted);
        Assert.True(IsAlive(program.Pid), "killed before its grace period was over");
        Assert.All(ffmpeg, pid => Assert.True(IsAlive(pid), "the real ffmpeg was killed before the grace period was over"));

        _clock.Advance(TimeSpan.FromMilliseconds(1));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Eventually.DefaultLimit));
        Assert.False(IsAlive(program.Pid));
        // The kill reached the whole tree; the grandchild dies a moment after the program the runner waited for.
        await Eventually.TrueAsync(() => !ffmpeg.Any(IsAlive), "the real ffmpeg under it to be gone");
        Assert.Empty(_registry.All);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task When_the_hosts_patience_is_over_a_program_still_ignoring_its_stop_is_killed_at_once()
    {
        var signals = _folder.Combine("signals.log");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = _runner.RunAsync(new ProgramRun(StubbornFfmpeg.Write(_folder, signals),
            ["-hide_banner", "-nostats", "-v", "error", "-progress", "pipe:1", "-re", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25", "-f", "null", "-"])
        {
            OnOutputLine = line => { if (line.StartsWith("progress=", StringComparison.Ordinal)) started.TrySetResult(); },
            StopGracePeriod = TimeSpan.FromHours(1), // the clock will not get there: only the shutdown can end it
        }, CancellationToken.None);
        await started.Task.WaitAsync(Eventually.DefaultLimit);
        var pid = Assert.Single(_registry.All).Pid;
        using var patienceOver = new CancellationTokenSource();

        var stopping = _registry.StopAllAsync(patienceOver.Token);
        await Eventually.TrueAsync(() => StubbornFfmpeg.GotSigint(signals), "the program to get SIGINT");
        Assert.True(IsAlive(pid));
        await patienceOver.CancelAsync();

        await stopping.WaitAsync(Eventually.DefaultLimit);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Eventually.DefaultLimit));
        Assert.False(IsAlive(pid));
    }

    [Fact]
    public async Task A_run_past_its_time_limit_ends_in_a_timeout_not_in_a_stop()
    {
        var run = _runner.RunAsync(new ProgramRun("sleep", ["600"]) { Timeout = TimeSpan.FromSeconds(30), StopGracePeriod = TimeSpan.Zero },
            CancellationToken.None);
        await Eventually.TrueAsync(() => _registry.All.Count == 1, "sleep to start");

        _clock.Advance(TimeSpan.FromSeconds(30));

        var error = await Assert.ThrowsAsync<ProgramTimeoutException>(() => run.WaitAsync(Eventually.DefaultLimit));
        Assert.Equal(TimeSpan.FromSeconds(30), error.Limit);
    }

    [Fact]
    public async Task A_program_that_fails_is_a_result_with_its_exit_code_and_the_last_lines_of_stderr()
    {
        var result = await _runner.RunAsync(new ProgramRun("sh", ["-c", "for i in 1 2 3 4 5; do echo line $i >&2; done; exit 3"]) { ErrorTailLines = 2 },
            CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Equal(3, result.ExitCode);
        Assert.Equal(["line 4", "line 5"], result.ErrorTail);
    }

    [Fact]
    public async Task A_program_that_cannot_start_says_so()
    {
        var error = await Assert.ThrowsAsync<ProgramStartException>(() =>
            _runner.RunAsync(new ProgramRun(_folder.Combine("no-such-program"), []), CancellationToken.None));
        Assert.Contains("no-such-program", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Collected_output_stops_growing_at_its_limit_while_the_program_still_runs_to_its_end()
    {
        var result = await _runner.RunAsync(new ProgramRun("sh", ["-c", "head -c 3000000 /dev/zero | tr '\\0' x; echo; echo done >&2"])
        {
            MaxCollectedOutputChars = 1000,
        }, CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.Equal(1000, result.Output.Length);
        Assert.Equal(["done"], result.ErrorTail);
    }

    private static int[] ChildrenOf(int pid) =>
        File.ReadAllText($"/proc/{pid}/task/{pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();

    private static bool IsAlive(int pid) =>
        Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
}
