using MediaBroker.Shared.Items;
using Prometheus;

namespace MediaBroker.Broker.Monitoring;

/// <summary>
/// <c>mediabroker_item_phase_seconds{phase, conversion_type}</c>: where items' time went, from <see cref="ItemTimings"/>.
/// Follows <c>ItemStore.Changed</c>: a phase is observed once, when an item's timings gain a value that the previous
/// version lacked (a retry that clears a phase has it observed again when it is measured anew).
/// </summary>
public sealed class PhaseHistograms(CollectorRegistry registry)
{
    /// <summary>From 10 ms (hashing a small picture) to a day (an output nobody fetched); longer ones land in +Inf.</summary>
    public static readonly double[] Buckets =
        [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 28800, 86400];

    /// <summary>The phases, by the name of their label value.</summary>
    public static readonly IReadOnlyList<(string Name, Func<ItemTimings, double?> Seconds)> Phases =
    [
        ("receiving", timings => timings.ReceivingSeconds),
        ("hashing", timings => timings.HashingSeconds),
        ("probing", timings => timings.ProbingSeconds),
        ("waiting", timings => timings.WaitingSeconds),
        ("converting", timings => timings.ConvertingSeconds),
        ("verifying", timings => timings.VerifyingSeconds),
        ("waiting_to_be_fetched", timings => timings.WaitingToBeFetchedSeconds),
    ];

    private readonly Histogram _seconds = Metrics.WithCustomRegistry(registry).CreateHistogram("mediabroker_item_phase_seconds",
        "Seconds items spent in each phase on the broker (receiving, hashing, probing, waiting, converting, verifying, waiting_to_be_fetched), per conversion type.",
        new HistogramConfiguration { LabelNames = ["phase", "conversion_type"], Buckets = Buckets });

    /// <summary>Subscribed to <c>ItemStore.Changed</c>: (before, after); null before = created, null after = deleted.</summary>
    public void OnItemChanged(Item? before, Item? after)
    {
        if (after?.Timings is not { } timings) return;
        var earlier = before?.Timings;
        foreach (var (name, seconds) in Phases)
        {
            if (seconds(timings) is not { } value || !double.IsFinite(value)) continue;
            if (earlier is not null && seconds(earlier) is not null) continue;
            _seconds.WithLabels(name, after.ConversionType).Observe(Math.Max(0, value));
        }
    }
}
