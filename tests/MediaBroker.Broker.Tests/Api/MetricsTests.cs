using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using MediaBroker.Broker.Monitoring;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;
using MediaBroker.Testing;

namespace MediaBroker.Broker.Tests.Api;

/// <summary>
/// <c>GET /metrics</c> on a real broker after real conversions: the text passes Prometheus's own parser
/// (<c>promtool check metrics</c>, Debian's prometheus package, installed by <c>scripts/setup --tests</c>), and the
/// values read back from it match what happened.
/// </summary>
public sealed partial class MetricsTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new("metrics");
    private RunningBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await RunningBroker.StartAsync(_folder.Combine("data"));

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Metrics_after_real_conversions_pass_promtool_and_count_items_conversions_bytes_and_phases()
    {
        // A picture by one-shot POST, a sound by tus: both doors count the bytes they receive.
        var picture = await TestMedia.ImageAsync(_folder.Combine("p.png"), seed: 5);
        using var posted = await _broker.PostMultipartAsync(picture);
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var image = await _broker.Api.WaitUntilFinishedAsync((await posted.ReadItemAsync()).ItemId);

        var sound = await File.ReadAllBytesAsync(await TestMedia.AudioAsync(_folder.Combine("s.wav"), seconds: 1, seed: 5));
        var tus = new RawTus(_broker.Http);
        var location = await tus.CreateLocationAsync(sound.Length,
            RawTus.Metadata(("filename", "s.wav"), ("conversion_type", "opus"), ("sha512", Sha512Hex.Of(sound))));
        using var patched = await tus.PatchAsync(location, 0, sound);
        Assert.Equal(HttpStatusCode.NoContent, patched.StatusCode);
        var audio = await _broker.Api.WaitUntilFinishedAsync(Guid.Parse(RawTus.ItemIdOf(patched)!));

        Assert.Equal(ItemStatus.FinishedSuccessful, image.Status);
        Assert.Equal(ItemStatus.FinishedSuccessful, audio.Status);

        // Out: the whole picture, ten bytes of it by Range, and a HEAD that sends no body.
        var whole = await _broker.Http.GetByteArrayAsync($"api/items/{image.ItemId}/output");
        using var range = new HttpRequestMessage(HttpMethod.Get, $"api/items/{image.ItemId}/output");
        range.Headers.Range = new RangeHeaderValue(0, 9);
        using var partial = await _broker.Http.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        using var head = await _broker.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"api/items/{image.ItemId}/output"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);

        // As Prometheus scrapes it (README): with an admin token, which also ends anonymous access on this broker.
        var admin = await _broker.AddTokenAsync("prometheus", "admin");
        using var scraper = _broker.ClientWith(admin);
        using var response = await scraper.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();

        var (exitCode, promtoolSays) = await PromtoolCheckAsync(text);
        Assert.True(exitCode == 0, $"promtool check metrics failed ({exitCode}):\n{promtoolSays}\n--- scraped:\n{text}");

        var samples = Parse(text);
        Assert.Equal(2, samples.Value("mediabroker_items", ("state", "finished_successful")));
        Assert.Equal(0, samples.Value("mediabroker_items", ("state", "to_do")));
        Assert.Equal(0, samples.Value("mediabroker_items", ("state", "in_progress")));
        Assert.Equal(0, samples.Value("mediabroker_items", ("state", "finished_with_errors")));
        Assert.Equal(1, samples.Value("mediabroker_conversions", ("conversion_type", "webp"), ("result", "done")));
        Assert.Equal(0, samples.Value("mediabroker_conversions", ("conversion_type", "webp"), ("result", "failed")));
        Assert.Equal(1, samples.Value("mediabroker_conversions", ("conversion_type", "opus"), ("result", "done")));
        Assert.Equal(0, samples.Value("mediabroker_conversions", ("conversion_type", "mkv_x265"), ("result", "done"))); // offered, none yet
        Assert.Equal(image.FileSize - image.Output!.FileSize, samples.Value("mediabroker_space_saved_bytes", ("conversion_type", "webp")));
        Assert.Equal(audio.FileSize - audio.Output!.FileSize, samples.Value("mediabroker_space_saved_bytes", ("conversion_type", "opus")));

        // Every byte that came in and went out, exactly.
        Assert.True(samples.Value("mediabroker_received_bytes_total") > 0);
        Assert.Equal(image.FileSize + audio.FileSize, samples.Value("mediabroker_received_bytes_total"));
        Assert.Equal(whole.Length + 10, samples.Value("mediabroker_served_bytes_total"));

        // prometheus-net's process collectors: memory and CPU.
        Assert.True(samples.Value("process_working_set_bytes") > 0);
        Assert.True(samples.Has("process_cpu_seconds_total"));

        // The phase histograms. Item timings are being filled in on main in parallel: where this branch's items carry
        // any, each phase they carry must have been observed; until then the family must at least be declared.
        Assert.Contains("# HELP mediabroker_item_phase_seconds ", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE mediabroker_item_phase_seconds histogram", text, StringComparison.Ordinal);
        foreach (var item in new[] { image, audio })
        {
            var now = await new BrokerApiClient(scraper).GetItemAsync(item.ItemId);
            if (now.Timings is not { } timings) continue;
            foreach (var (phase, seconds) in PhaseHistograms.Phases)
            {
                if (seconds(timings) is null) continue;
                Assert.True(samples.Value("mediabroker_item_phase_seconds_count", ("conversion_type", item.ConversionType), ("phase", phase)) >= 1,
                    $"{phase} of {item.ConversionType}: the item has a timing, the histogram has no observation");
            }
        }
    }

    [Fact]
    public async Task A_phase_is_observed_once_when_an_items_timings_gain_it_through_the_store()
    {
        var picture = await TestMedia.ImageAsync(_folder.Combine("p.png"), seed: 6);
        using var posted = await _broker.PostMultipartAsync(picture);
        var item = await _broker.Api.WaitUntilFinishedAsync((await posted.ReadItemAsync()).ItemId);
        // Never fetched, so waiting_to_be_fetched is null whoever fills the timings in: this test records it itself.
        Assert.Null(item.Timings?.WaitingToBeFetchedSeconds);
        var before = Parse(await ScrapeAsync());
        var labels = new[] { ("conversion_type", "webp"), ("phase", "waiting_to_be_fetched") };

        await _broker.Store.UpdateAsync(item.ItemId, current => current with
        {
            Timings = (current.Timings ?? new ItemTimings()) with { WaitingToBeFetchedSeconds = 42 },
        });
        await _broker.Store.UpdateAsync(item.ItemId, current => current with { Errors = [] }); // a later change keeps the value: no second observation

        var after = Parse(await ScrapeAsync());
        Assert.Equal(before.ValueOr("mediabroker_item_phase_seconds_count", 0, labels) + 1, after.Value("mediabroker_item_phase_seconds_count", labels));
        Assert.Equal(before.ValueOr("mediabroker_item_phase_seconds_sum", 0, labels) + 42, after.Value("mediabroker_item_phase_seconds_sum", labels));
        // 42 s lands in the 60 s bucket and above, not in the 30 s one.
        Assert.Equal(0, after.Value("mediabroker_item_phase_seconds_bucket", [.. labels, ("le", "30")]) - before.ValueOr("mediabroker_item_phase_seconds_bucket", 0, [.. labels, ("le", "30")]));
        Assert.Equal(1, after.Value("mediabroker_item_phase_seconds_bucket", [.. labels, ("le", "60")]) - before.ValueOr("mediabroker_item_phase_seconds_bucket", 0, [.. labels, ("le", "60")]));
    }

    [Fact]
    public async Task Two_brokers_in_one_process_keep_their_numbers_apart()
    {
        await using var other = await RunningBroker.StartAsync(_folder.Combine("other"));
        var picture = await TestMedia.ImageAsync(_folder.Combine("p.png"), seed: 7);
        using var posted = await _broker.PostMultipartAsync(picture);
        await _broker.Api.WaitUntilFinishedAsync((await posted.ReadItemAsync()).ItemId);

        using var response = await other.Http.GetAsync("metrics");
        var samples = Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(0, samples.Value("mediabroker_items", ("state", "finished_successful")));
        Assert.Equal(0, samples.Value("mediabroker_received_bytes_total"));
    }

    private async Task<string> ScrapeAsync()
    {
        using var response = await _broker.Http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary><c>promtool check metrics</c>, the scraped text on stdin: its exit code and what it said.</summary>
    private static async Task<(int ExitCode, string Output)> PromtoolCheckAsync(string text)
    {
        var start = new ProcessStartInfo("promtool") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("check");
        start.ArgumentList.Add("metrics");
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            throw new InvalidOperationException("promtool is missing: run scripts/setup --tests (it installs Debian's prometheus)", error);
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.StandardInput.WriteAsync(text);
            process.StandardInput.Close();
            await process.WaitForExitAsync();
            return (process.ExitCode, await output + await errors);
        }
    }

    /// <summary>The samples of the text format: <c>name{label="value",...} number</c>, comments skipped.</summary>
    private static Samples Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"not a sample line: {line}");
            var labels = LabelPair().Matches(match.Groups["labels"].Value)
                .Select(pair => (pair.Groups["name"].Value, Regex.Unescape(pair.Groups["value"].Value)));
            samples[Samples.Key(match.Groups["name"].Value, labels)] = match.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var number => double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
        }
        return new Samples(samples);
    }

    private sealed class Samples(Dictionary<string, double> values)
    {
        public static string Key(string name, IEnumerable<(string Name, string Value)> labels) =>
            name + "{" + string.Join(',', labels.OrderBy(label => label.Name, StringComparer.Ordinal).Select(label => $"{label.Name}={label.Value}")) + "}";

        public bool Has(string name, params (string, string)[] labels) => values.ContainsKey(Key(name, labels));

        public double Value(string name, params (string, string)[] labels) =>
            values.TryGetValue(Key(name, labels), out var value) ? value
            : throw new Xunit.Sdk.XunitException($"no sample {Key(name, labels)}; there are:\n{string.Join('\n', values.Keys.Where(key => key.StartsWith(name, StringComparison.Ordinal)))}");

        public double ValueOr(string name, double otherwise, params (string, string)[] labels) => values.GetValueOrDefault(Key(name, labels), otherwise);
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)( \d+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<name>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(\\.|[^""\\])*)""")]
    private static partial Regex LabelPair();
}
