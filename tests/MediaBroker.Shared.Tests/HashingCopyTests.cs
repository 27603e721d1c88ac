using System.Security.Cryptography;
using MediaBroker.Shared.Hashing;

namespace MediaBroker.Shared.Tests;

public sealed class HashingCopyTests
{
    private static byte[] Bytes(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(HashingCopy.ChunkSize - 1)]
    [InlineData(HashingCopy.ChunkSize)]
    [InlineData(HashingCopy.ChunkSize * 5 + 123)]
    public async Task Copies_every_byte_in_order_and_hashes_exactly_what_it_copied(int length)
    {
        var source = Bytes(length);
        var destination = new MemoryStream();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        var reported = new List<long>();

        var copied = await HashingCopy.CopyAsync(new TricklingStream(source), destination, hash, onWritten: reported.Add);

        Assert.Equal(length, copied);
        Assert.Equal(source, destination.ToArray());
        Assert.Equal(SHA512.HashData(source), hash.GetHashAndReset());
        Assert.True(reported.SequenceEqual(reported.Order()) && reported.Distinct().Count() == reported.Count);
        if (length > 0) Assert.Equal(length, reported[^1]);
    }

    [Fact]
    public async Task Feeds_several_hashes_at_once()
    {
        var source = Bytes(3 * HashingCopy.ChunkSize + 7);
        using var sha512 = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        await HashingCopy.CopyAsync(new MemoryStream(source), Stream.Null, [sha512, sha1]);
        Assert.Equal(SHA512.HashData(source), sha512.GetHashAndReset());
        Assert.Equal(SHA1.HashData(source), sha1.GetHashAndReset());
    }

    [Fact]
    public async Task Stops_at_the_limit()
    {
        var destination = new MemoryStream();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        var error = await Assert.ThrowsAsync<CopyLimitExceededException>(() =>
            HashingCopy.CopyAsync(new MemoryStream(Bytes(3 * HashingCopy.ChunkSize)), destination, hash, limit: HashingCopy.ChunkSize + 10));
        Assert.Equal(HashingCopy.ChunkSize + 10, error.Limit);
        Assert.True(destination.Length <= HashingCopy.ChunkSize);
    }

    [Fact]
    public async Task Keeps_the_bytes_that_arrived_before_a_broken_connection()
    {
        var source = Bytes(HashingCopy.ChunkSize + 5000);
        var destination = new MemoryStream();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        long agreed = 0;

        await Assert.ThrowsAsync<IOException>(() =>
            HashingCopy.CopyAsync(new BreakingStream(source, breakAfter: HashingCopy.ChunkSize + 3000), destination, hash, onWritten: total => agreed = total));

        var arrived = source[..(HashingCopy.ChunkSize + 3000)];
        Assert.Equal(arrived, destination.ToArray());
        Assert.Equal(SHA512.HashData(arrived), hash.GetHashAndReset());
        Assert.Equal(arrived.Length, agreed);
    }

    [Fact]
    public async Task A_failing_destination_surfaces_its_error_instead_of_hanging()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        var error = await Assert.ThrowsAsync<IOException>(() =>
            HashingCopy.CopyAsync(new MemoryStream(Bytes(20 * HashingCopy.ChunkSize)), new FullDisk(), hash)).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("No space left on device", error.Message);
    }

    /// <summary>Hands out data in small, uneven pieces, as a network does.</summary>
    private sealed class TricklingStream(byte[] data) : MemoryStream(data)
    {
        private int _turn;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 1000 + (_turn++ * 7919) % 70000)], cancellationToken);
    }

    private sealed class BreakingStream(byte[] data, int breakAfter) : MemoryStream(data)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position >= breakAfter) throw new IOException("connection reset");
            return await base.ReadAsync(buffer[..(int)Math.Min(buffer.Length, breakAfter - Position)], cancellationToken);
        }
    }

    private sealed class FullDisk : MemoryStream
    {
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            Length > 2 * HashingCopy.ChunkSize ? throw new IOException("No space left on device") : base.WriteAsync(buffer, cancellationToken);
    }
}
