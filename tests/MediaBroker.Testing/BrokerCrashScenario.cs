using System.Net;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Reliability;

namespace MediaBroker.Testing;

/// <summary>
/// A little of everything a broker does to its disk, driven as a patient client would drive it: a one-shot upload, a
/// resumable one in two parts, an item deleted, conversions to the end, a clean stop. Whenever the broker dies (a
/// crash point, a kill), it is started again and the client carries on where it stood: a POST sent again (the
/// broker recognises the content), a tus upload resumed from the offset HEAD reports, a DELETE repeated.
/// </summary>
public sealed class BrokerCrashScenario(TempFolder folder, string dataPath) : IAsyncDisposable
{
    private BrokerProcess? _broker;
    private IReadOnlyDictionary<string, string>? _firstStart;

    /// <summary>How many times the broker was found dead and started again.</summary>
    public int Restarts { get; private set; }

    public List<Accepted> Accepted { get; } = [];
    public List<Accepted> Deleted { get; } = [];

    /// <summary>Runs the scenario to its end; the first start gets <paramref name="environment"/> (crash point settings), later ones none.</summary>
    public async Task RunAsync(IReadOnlyDictionary<string, string>? environment = null)
    {
        _firstStart = environment;
        var picture = await File.ReadAllBytesAsync(await TestMedia.ImageAsync(folder.Combine("scenario", "dog.png"), seed: 801));
        var spare = await File.ReadAllBytesAsync(await TestMedia.ImageAsync(folder.Combine("scenario", "cat.png"), seed: 802));
        var clip = await File.ReadAllBytesAsync(await TestMedia.VideoAsync(folder.Combine("scenario", "clip.mkv"), seconds: 1, size: "160x120", seed: 803));

        var dog = await AcrossCrashesAsync(broker => PostAsync(broker, picture, "dog.png", "webp"));
        Accepted.Add(new Accepted(Sha512Hex.Of(picture), "webp"));
        var film = await UploadResumablyAsync(clip, "clip.mkv", "mkv_x264");
        Accepted.Add(new Accepted(Sha512Hex.Of(clip), "mkv_x264"));
        var cat = await AcrossCrashesAsync(broker => PostAsync(broker, spare, "cat.png", "webp"));
        await AcrossCrashesAsync(async broker =>
        {
            var answer = await broker.Http.DeleteAsync($"api/items/{cat}");
            if (answer.StatusCode is not (HttpStatusCode.NoContent or HttpStatusCode.NotFound)) throw new HttpRequestException($"DELETE: {answer.StatusCode}");
            return true;
        });
        Deleted.Add(new Accepted(Sha512Hex.Of(spare), "webp"));
        foreach (var id in new[] { dog, film })
            await AcrossCrashesAsync(async broker => (await broker.Api.WaitUntilFinishedAsync(id)).Status == ItemStatus.FinishedSuccessful
                ? true : throw new InvalidOperationException($"item {id} failed"));
        // The dog's output is placed: with keep_finished_hours 0 its files go at once, its record stays.
        await AcrossCrashesAsync(async broker =>
        {
            await broker.Api.MarkFetchedAsync(dog);
            return await broker.Api.WaitForAsync(dog, item => item.FilesRemovedAt is not null, "the dog's files to be removed");
        });
        await AcrossCrashesAsync(async broker =>
        {
            await broker.TerminateAsync();
            // Killed on its way out (a crash point in the final steps): started again, and stopped again.
            return broker.ExitCode == 0 ? true : throw new InvalidOperationException($"the broker died while stopping ({broker.ExitCode})");
        });
    }

    /// <summary>Runs <paramref name="action"/> against a live broker; if the broker died meanwhile, starts it again and repeats.</summary>
    private async Task<T> AcrossCrashesAsync<T>(Func<BrokerProcess, Task<T>> action)
    {
        while (true)
        {
            var broker = await RunningAsync();
            try
            {
                return await action(broker);
            }
            catch (Exception) when (broker.DiedWithin(TimeSpan.FromSeconds(10)))
            {
                await broker.DisposeAsync();
                _broker = null;
                Restarts++;
            }
        }
    }

    private async Task<BrokerProcess> RunningAsync()
    {
        while (_broker is null)
        {
            var environment = _firstStart;
            _firstStart = null; // only the first start may crash
            try
            {
                _broker = await BrokerProcess.StartAsync(dataPath, configPath: Config(), environment: environment);
            }
            catch (BrokerDidNotStartException) when (environment is not null)
            {
                Restarts++; // it died on a crash point while starting
            }
        }
        return _broker;
    }

    /// <summary>broker.json of the scenario: a fetched output's files go at once, so that their removal is a step too.</summary>
    private string Config()
    {
        var path = folder.Combine("scenario", "broker.json");
        if (!File.Exists(path)) File.WriteAllText(path, """{ "keep_finished_hours": 0 }""");
        return path;
    }

    private static async Task<Guid> PostAsync(BrokerProcess broker, byte[] bytes, string name, string conversionType)
    {
        using var body = new MemoryStream(bytes);
        var (item, _) = await broker.Api.UploadAsync(body, name, conversionType, Sha512Hex.Of(bytes));
        return item.ItemId;
    }

    /// <summary>tus in two PATCHes; after a crash, resumed from the offset the broker reports.</summary>
    private async Task<Guid> UploadResumablyAsync(byte[] bytes, string name, string conversionType)
    {
        string? location = null;
        return await AcrossCrashesAsync(async broker =>
        {
            var tus = new RawTus(broker.Http);
            location ??= await tus.CreateLocationAsync(bytes.Length,
                RawTus.Metadata(("filename", name), ("conversion_type", conversionType), ("sha512", Sha512Hex.Of(bytes))));
            while (true)
            {
                using var head = await tus.HeadAsync(location);
                if (head.StatusCode == HttpStatusCode.NotFound)
                {
                    location = null; // the creation itself did not survive the crash
                    throw new HttpRequestException("upload gone");
                }
                if (RawTus.ItemIdOf(head) is { } done) return Guid.Parse(done);
                var offset = await tus.OffsetAsync(location);
                var next = offset < bytes.Length / 2 ? bytes.Length / 2 : bytes.Length;
                using var answer = await tus.PatchAsync(location, offset, bytes[(int)offset..next]);
                if (RawTus.ItemIdOf(answer) is { } item) return Guid.Parse(item);
                // 423: the broker is finishing this upload itself (it was complete when the broker stopped); ask again.
                if (answer.StatusCode is not (HttpStatusCode.NoContent or HttpStatusCode.Locked)) throw new HttpRequestException($"PATCH: {answer.StatusCode}");
                if (answer.StatusCode == HttpStatusCode.Locked) await Task.Delay(50);
            }
        });
    }

    /// <summary>Runs the scenario once with a crash log and returns every crash point it passed, in order, each with its occurrence.</summary>
    public static async Task<IReadOnlyList<(int Occurrence, string Name)>> StepsAsync(TempFolder folder)
    {
        var log = folder.Combine("steps.log");
        await using (var counting = new BrokerCrashScenario(folder, folder.Combine("counting", "data")))
            await counting.RunAsync(new Dictionary<string, string> { [CrashPoints.LogVariable] = log });
        return File.ReadAllLines(log).Select(ParseStep).ToList();
    }

    /// <summary>A line of a crash log: "occurrence|name".</summary>
    public static (int Occurrence, string Name) ParseStep(string line)
    {
        var separator = line.IndexOf('|');
        return (int.Parse(line[..separator], System.Globalization.CultureInfo.InvariantCulture), line[(separator + 1)..]);
    }

    public async ValueTask DisposeAsync()
    {
        if (_broker is not null) await _broker.DisposeAsync();
    }
}
