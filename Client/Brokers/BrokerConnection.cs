using System.Net.Http.Headers;
using MediaBroker.Client.Configuration;
using MediaBroker.Shared.Api;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace MediaBroker.Client.Brokers;

/// <summary>
/// One configured broker: its HTTP client and whether it is up. A broker that does not answer is not asked again
/// until its pause is over (a Polly circuit breaker); the pause doubles with every further failure, with jitter,
/// up to broker_retry_max_seconds, so a broker that is away is never hammered.
/// </summary>
public sealed class BrokerConnection : IDisposable
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromSeconds(1);
    private readonly ResiliencePipeline _availability;
    private readonly CircuitBreakerStateProvider _circuit = new();
    private readonly TimeProvider _time;

    public BrokerConnection(ServerEntry entry, TimeSpan maxPause, TimeProvider time)
    {
        Entry = entry;
        _time = time;
        Http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10), PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) })
        {
            BaseAddress = new Uri(entry.Url.EndsWith('/') ? entry.Url : entry.Url + "/"),
            Timeout = Timeout.InfiniteTimeSpan, // transfers are long; each call brings its own limit
        };
        if (entry.Token.Length > 0) Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", entry.Token);
        Api = new BrokerApiClient(Http);

        var unavailable = new PredicateBuilder().Handle<BrokerUnavailableException>()
            .Handle<BrokerRejectedException>(error => (int)error.Status >= 500);
        _availability = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = unavailable, MaxRetryAttempts = 2, Delay = TimeSpan.FromMilliseconds(200),
                BackoffType = DelayBackoffType.Exponential, UseJitter = true,
                OnRetry = args =>
                {
                    LastProblem = Describe(args.Outcome.Exception);
                    return default;
                },
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = unavailable, FailureRatio = 0.5, MinimumThroughput = 2, SamplingDuration = TimeSpan.FromSeconds(30),
                StateProvider = _circuit,
                BreakDurationGenerator = args =>
                {
                    var doubled = FirstPause.TotalSeconds * Math.Pow(2, Math.Min(args.HalfOpenAttempts, 20));
                    var jitter = 0.8 + Random.Shared.NextDouble() * 0.4;
                    return ValueTask.FromResult(TimeSpan.FromSeconds(Math.Min(doubled, maxPause.TotalSeconds) * jitter));
                },
            })
            .Build();
    }

    public ServerEntry Entry { get; }
    public string Id => Entry.Id;
    public HttpClient Http { get; }
    public BrokerApiClient Api { get; }
    /// <summary>What the broker said the last time it answered.</summary>
    public ServerInfo? Info { get; private set; }
    public string? LastProblem { get; private set; }
    /// <summary>The broker answered, but refused this client's token (401, 403): waiting will not help, the token in client.json must change.</summary>
    public bool TokenRefused { get; private set; }

    /// <summary>True when the last question was answered and no pause is running.</summary>
    public bool IsUp => Info is not null && _circuit.CircuitState is CircuitState.Closed or CircuitState.HalfOpen;

    /// <summary>Asks the broker what it offers and how busy it is; false when it is away (or pausing after failures).</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            Info = await CallAsync(ct => Api.GetServerAsync(ct), TimeSpan.FromSeconds(15), cancellationToken);
            LastProblem = null;
            TokenRefused = false;
            return true;
        }
        catch (Exception error) when (error is BrokerUnavailableException or BrokenCircuitException or BrokerRejectedException)
        {
            Info = null;
            LastProblem = error is BrokenCircuitException ? LastProblem ?? "not answering" : Describe(error);
            TokenRefused = error is BrokerRejectedException { Status: System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden };
            return false;
        }
    }

    /// <summary>One short request through the availability pipeline (retried briefly; not sent at all while the broker pauses).</summary>
    public async Task<T> CallAsync<T>(Func<CancellationToken, Task<T>> call, TimeSpan timeout, CancellationToken cancellationToken) =>
        await _availability.ExecuteAsync(async ct =>
        {
            using var timedOut = new CancellationTokenSource(timeout, _time);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct, timedOut.Token);
            try
            {
                return await call(limit.Token);
            }
            catch (OperationCanceledException) when (timedOut.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                throw new BrokerUnavailableException(Api.BaseAddress, "timed out");
            }
        }, cancellationToken);

    /// <summary>Remembers that a transfer found the broker away, so the next refresh does not wait for the pause to be noticed.</summary>
    public void MarkAway(string problem)
    {
        Info = null;
        LastProblem = problem;
    }

    public bool Supports(string mediaType) =>
        Entry.ListOfSupportedMediaTypes.Contains(mediaType, StringComparer.Ordinal)
        && (Info?.ListOfSupportedMediaTypes.Contains(mediaType, StringComparer.Ordinal) ?? false);

    public bool Offers(string mediaType, string? conversionType) =>
        Supports(mediaType) && (conversionType is null
            ? Info!.DefaultConversionTypes.ContainsKey(mediaType)
            : Info!.ConversionTypes.TryGetValue(conversionType, out var offered) && offered.MediaTypes.Contains(mediaType, StringComparer.Ordinal));

    public void Dispose() => Http.Dispose();

    private static string? Describe(Exception? error) => error switch
    {
        BrokerUnavailableException unavailable => unavailable.Reason,
        BrokerRejectedException rejected => $"{(int)rejected.Status} {rejected.Detail}",
        _ => error?.Message,
    };
}
