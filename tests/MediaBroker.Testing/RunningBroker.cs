using System.Net.Http.Headers;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Hosting;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace MediaBroker.Testing;

/// <summary>A real broker (real Kestrel, real ffmpeg) inside the test process, on a free loopback port.</summary>
public sealed class RunningBroker : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private RunningBroker(WebApplication app, BrokerSettings settings, Uri url)
    {
        _app = app;
        Settings = settings;
        Url = url;
        Http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromMinutes(5) };
        Api = new BrokerApiClient(Http);
    }

    public BrokerSettings Settings { get; }
    public Uri Url { get; }
    public HttpClient Http { get; }
    public BrokerApiClient Api { get; }
    public ItemStore Store => _app.Services.GetRequiredService<ItemStore>();
    public IServiceProvider Services => _app.Services;

    /// <summary>Settings for tests: a free port, one worker, no free-space floor; <paramref name="configure"/> changes the rest.</summary>
    public static BrokerSettings SettingsFor(string dataPath, Func<BrokerSettings, BrokerSettings>? configure = null)
    {
        var settings = BrokerSettingsLoader.MergeWithDefaults(new BrokerSettings
        {
            DataPath = dataPath, ListenOnPort = 0, NumberOfConversionThreads = 1, MinFreeBytes = 0,
        });
        settings = configure?.Invoke(settings) ?? settings;
        var problems = BrokerSettingsValidator.Validate(settings);
        if (problems.Count > 0) throw new ConfigurationException(problems);
        return settings;
    }

    /// <param name="time">The broker's clock: a FakeTimeProvider makes its timeouts and grace periods move only when a test says.</param>
    public static async Task<RunningBroker> StartAsync(string dataPath, Func<BrokerSettings, BrokerSettings>? configure = null, TimeProvider? time = null)
    {
        var settings = SettingsFor(dataPath, configure);
        var app = BrokerApp.Create(settings, new BrokerHostOptions { LogToConsole = false, Time = time ?? TimeProvider.System });
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return new RunningBroker(app, settings, new Uri(BrokerApp.ListeningUrl(app) + "/"));
    }

    /// <summary>POST /api/items as <c>curl -F</c> would send it.</summary>
    public async Task<HttpResponseMessage> PostMultipartAsync(string path, string? fileName = null, IDictionary<string, string>? fields = null)
    {
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields ?? new Dictionary<string, string>())
            form.Add(new StringContent(value), name);
        var file = new StreamContent(File.OpenRead(path));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName ?? Path.GetFileName(path));
        return await Http.PostAsync("api/items", form);
    }

    /// <summary>POST /api/items as <c>curl --data-binary</c> would send it, details in the query string.</summary>
    public async Task<HttpResponseMessage> PostRawAsync(byte[] body, string query)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return await Http.PostAsync($"api/items?{query}", content);
    }

    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        await _app.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
        Http.Dispose();
    }
}
