using System.IO.Abstractions;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Hosting;
using MediaBroker.Broker.Media;
using MediaBroker.Broker.Pictures;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Health;

/// <summary>
/// Whether this broker can take work now (<c>GET /readyz</c>): ffmpeg and ffprobe run, libvips is loaded (when
/// pictures are converted), the data folder is there and takes a write, the disk has more than min_free_bytes free,
/// and recovery has finished (and no stop has begun). The program checks run at most every <see cref="ProgramCheckEvery"/>:
/// a probe every few seconds must not start ffmpeg each time.
/// </summary>
public sealed class Readiness(BrokerSettings settings, DataFolder data, IFileSystem files, DiskSpace disk, ProgramRunner runner, TimeProvider time)
{
    public static readonly TimeSpan ProgramCheckEvery = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _programCheck = new(1, 1);
    private IReadOnlyList<string> _programProblems = [];
    private long _programsCheckedAt;
    private volatile bool _open;

    /// <summary>Set by <see cref="Hosting.BrokerLifecycle"/>: true once recovery finished and the broker runs, false from the start of a stop.</summary>
    public bool Open { get => _open; set => _open = value; }

    /// <returns>What keeps the broker from being ready, one line each; empty when it is ready.</returns>
    public async Task<IReadOnlyList<string>> ProblemsAsync(CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        if (!Open) problems.Add("the broker is starting (recovering its items) or stopping");
        problems.AddRange(await ProgramProblemsAsync(cancellationToken));
        if (settings.SupportsMediaType(MediaTypes.Image) && Libvips.Check() is { Version: null, Problem: var libvips })
            problems.Add($"libvips cannot be loaded ({libvips})");
        if (data.MissingFolder() is { } missing) problems.Add($"the data folder is damaged: {missing} is gone");
        else if (WriteProblem() is { } unwritable) problems.Add($"the data folder {data.Root} takes no write ({unwritable})");
        else if (disk.AvailableBytes() is var free && free < settings.MinFreeBytes)
            problems.Add($"the disk of {data.Root} has {free:N0} bytes free, under min_free_bytes ({settings.MinFreeBytes:N0})");
        return problems;
    }

    private async Task<IReadOnlyList<string>> ProgramProblemsAsync(CancellationToken cancellationToken)
    {
        await _programCheck.WaitAsync(cancellationToken);
        try
        {
            if (_programsCheckedAt != 0 && time.GetElapsedTime(_programsCheckedAt) < ProgramCheckEvery) return _programProblems;
            var problems = (await ToolCheck.UnrunnableProgramsAsync(settings, runner, TimeSpan.FromSeconds(10), cancellationToken))
                .Select(unrunnable => $"{unrunnable.Key}: cannot run '{unrunnable.Program}'").ToList();
            _programProblems = problems;
            _programsCheckedAt = time.GetTimestamp();
            return problems;
        }
        finally
        {
            _programCheck.Release();
        }
    }

    private string? WriteProblem()
    {
        var probe = files.Path.Combine(data.Root, $".ready-{Guid.NewGuid():N}");
        try
        {
            files.File.WriteAllBytes(probe, []);
            files.File.Delete(probe);
            return null;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return error.Message;
        }
    }
}
