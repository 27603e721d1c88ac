using MediaBroker.Shared.Transfers;
using Prometheus;

namespace MediaBroker.Broker.Monitoring;

/// <summary>
/// The bytes through the broker's doors, as counters a rate can be taken of: upload bytes as they land on the disk
/// (tus PATCH and one-shot POST, chunk by chunk), output bytes as they are handed to the response (by token or by
/// signed link, ranges included).
/// </summary>
public sealed class TransferMeter(CollectorRegistry registry)
{
    private readonly Counter _received = Metrics.WithCustomRegistry(registry).CreateCounter("mediabroker_received_bytes_total",
        "Upload bytes received and written to the disk (tus PATCH and one-shot POST), counted as they arrive; includes uploads later refused.");
    private readonly Counter _served = Metrics.WithCustomRegistry(registry).CreateCounter("mediabroker_served_bytes_total",
        "Output bytes sent to downloaders (GET /api/items/{id}/output and signed links), counted as they are read for the response.");

    /// <summary>A tally for one upload copy, fed the running totals that <c>HashingCopy</c>'s onWritten reports.</summary>
    public ByteTally Receiving() => new(_received);

    /// <summary>The output file, counting every byte read from it for the response.</summary>
    public Stream Serving(Stream output) => new ProgressReadStream(output, new ByteTally(_served).Landed);

    /// <summary>Feeds a counter from running totals (an upload's copy, or the bytes a response has read).</summary>
    public sealed class ByteTally(Counter counter)
    {
        private long _counted;

        /// <summary>Counts the bytes beyond the last total; totals may arrive out of order from the copy's two stages.</summary>
        public void Landed(long total)
        {
            long previous;
            do
            {
                previous = Volatile.Read(ref _counted);
                if (total <= previous) return;
            }
            while (Interlocked.CompareExchange(ref _counted, total, previous) != previous);
            counter.Inc(total - previous);
        }
    }
}
