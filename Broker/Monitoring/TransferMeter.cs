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
    public UploadTally Receiving() => new(_received);

    /// <summary>The output file, counting every byte read from it for the response.</summary>
    public Stream Serving(Stream output) => new CountingReadStream(output, _served);

    public sealed class UploadTally(Counter counter)
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

    /// <summary>A read-only pass-through that counts what is read; seekable where the inner stream is (for ranges).</summary>
    private sealed class CountingReadStream(Stream inner, Counter counter) : Stream
    {
        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => false;
        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => inner.Position = value;
        }

        public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Counted(inner.Read(buffer));

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Counted(await inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Counted(await inner.ReadAsync(buffer, cancellationToken));

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void Flush() { }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Counted(int read)
        {
            if (read > 0) counter.Inc(read);
            return read;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
