using System.Globalization;
using System.IO.Abstractions;
using System.IO.Abstractions.TestingHelpers;
using MediaBroker.Shared.Hashing;

namespace MediaBroker.Shared.Tests;

/// <summary>
/// The writer behind every verified copy: straight to the disk where it can, the ordinary way where it cannot, and
/// in every case exactly the bytes given, at the file's position, with the file left as it was found.
/// </summary>
public sealed class ChunkWriterTests : IDisposable
{
    // On the disk the tests run on (not tmpfs, which has no direct I/O): the same kind of disk as the data folders.
    private readonly string _folder = Directory.CreateTempSubdirectory("chunk-writer-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static async Task WriteInChunksAsync(ChunkWriter writer, byte[] bytes)
    {
        for (var start = 0; start < bytes.Length; start += ChunkBuffers.Size)
        {
            var buffer = ChunkBuffers.Rent();
            var length = Math.Min(ChunkBuffers.Size, bytes.Length - start);
            bytes.AsMemory(start, length).CopyTo(buffer);
            await writer.WriteAsync(buffer[..length]);
            ChunkBuffers.Return(buffer);
        }
    }

    /// <summary>Whether O_DIRECT is set on the open file, as the kernel reports it (flags in octal).</summary>
    private static bool IsDirectNow(FileStream file) => IsDirectNow(file.SafeFileHandle.DangerousGetHandle());

    private static bool IsDirectNow(nint fd)
    {
        var flags = File.ReadAllLines($"/proc/self/fdinfo/{fd}").Single(line => line.StartsWith("flags:", StringComparison.Ordinal));
        var value = Convert.ToInt64(flags["flags:".Length..].Trim(), 8);
        var direct = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture
            is System.Runtime.InteropServices.Architecture.Arm64 or System.Runtime.InteropServices.Architecture.Arm ? 0x10000 : 0x4000;
        return (value & direct) != 0;
    }

    [Fact]
    public async Task Writes_aligned_chunks_straight_to_disk_and_the_unaligned_tail_the_ordinary_way()
    {
        var bytes = Bytes(3 * ChunkBuffers.Size + 12345, seed: 1);
        var path = Path.Combine(_folder, "film.mkv");
        await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 0, FileOptions.Asynchronous))
        {
            using (var writer = new ChunkWriter(file))
            {
                Assert.True(writer.IsDirect);
                Assert.True(IsDirectNow(file));
                await WriteInChunksAsync(writer, bytes);
                Assert.False(writer.IsDirect); // the tail ended it
            }
            Assert.False(IsDirectNow(file));
            Assert.Equal(bytes.Length, file.Position);
        }
        Assert.Equal(bytes, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task Goes_on_at_the_file_position_and_leaves_the_file_as_it_found_it()
    {
        var first = Bytes(ChunkBuffers.Size, seed: 2);
        var second = Bytes(2 * ChunkBuffers.Size, seed: 3);
        var path = Path.Combine(_folder, "resumed.mkv");
        await File.WriteAllBytesAsync(path, first);
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read, 0, FileOptions.Asynchronous))
        {
            file.Position = first.Length;
            using (var writer = new ChunkWriter(file))
            {
                Assert.True(writer.IsDirect);
                await WriteInChunksAsync(writer, second);
                Assert.True(writer.IsDirect);
            }
            Assert.False(IsDirectNow(file));
            Assert.Equal(first.Length + second.Length, file.Position);
        }
        Assert.Equal(first.Concat(second).ToArray(), await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task A_start_off_a_4_KiB_boundary_is_written_the_ordinary_way()
    {
        var head = Bytes(1000, seed: 4);
        var rest = Bytes(2 * ChunkBuffers.Size, seed: 5);
        var path = Path.Combine(_folder, "odd.mkv");
        await File.WriteAllBytesAsync(path, head);
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read, 0))
        {
            file.Position = head.Length;
            using var writer = new ChunkWriter(file);
            Assert.False(writer.IsDirect);
            Assert.False(IsDirectNow(file));
            await WriteInChunksAsync(writer, rest);
        }
        Assert.Equal(head.Concat(rest).ToArray(), await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task Bytes_a_buffered_stream_held_back_land_before_the_chunks()
    {
        var held = Bytes(4096, seed: 6);
        var chunk = Bytes(ChunkBuffers.Size, seed: 7);
        var path = Path.Combine(_folder, "buffered.mkv");
        await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16))
        {
            file.Write(held); // still in the stream's own buffer
            using var writer = new ChunkWriter(file);
            await WriteInChunksAsync(writer, chunk);
        }
        Assert.Equal(held.Concat(chunk).ToArray(), await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task Sees_through_the_file_system_seam_to_the_real_disk()
    {
        var bytes = Bytes(ChunkBuffers.Size + 7, seed: 8);
        var path = Path.Combine(_folder, "seam.mkv");
        var files = new FileSystem();
        await using (var file = files.FileStream.New(path, FileMode.Create, FileAccess.Write, FileShare.Read, 0, FileOptions.Asynchronous))
        {
            using var writer = new ChunkWriter(file);
            Assert.True(writer.IsDirect);
            await WriteInChunksAsync(writer, bytes);
        }
        Assert.Equal(bytes, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task A_stream_that_is_no_file_gets_the_bytes_through_the_stream()
    {
        var bytes = Bytes(2 * ChunkBuffers.Size + 99, seed: 9);
        var files = new MockFileSystem();
        files.Directory.CreateDirectory("/data");
        await using (var file = files.FileStream.New("/data/film.mkv", FileMode.Create, FileAccess.Write))
        {
            using var writer = new ChunkWriter(file);
            Assert.False(writer.IsDirect);
            await WriteInChunksAsync(writer, bytes);
        }
        Assert.Equal(bytes, files.File.ReadAllBytes("/data/film.mkv"));
    }

    [Theory]
    [InlineData(ChunkBuffers.Size)] // a whole chunk already there: the rest goes straight to disk
    [InlineData(1000)] // a resumed download off a 4 KiB boundary: the ordinary way
    public async Task Appends_to_a_partial_file_as_a_resumed_download_does(int existing)
    {
        var head = Bytes(existing, seed: 10);
        var rest = Bytes(2 * ChunkBuffers.Size + 5, seed: 11);
        var path = Path.Combine(_folder, "partial.mkv");
        await File.WriteAllBytesAsync(path, head);
        await using (var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous))
        {
            using (var writer = new ChunkWriter(file))
            {
                Assert.Equal(existing % ChunkBuffers.Alignment == 0, writer.IsDirect);
                await WriteInChunksAsync(writer, rest);
            }
            Assert.Equal(head.Length + rest.Length, file.Position);
        }
        Assert.Equal(head.Concat(rest).ToArray(), await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task A_buffer_the_disk_refuses_to_take_directly_is_written_the_ordinary_way()
    {
        var bytes = Bytes(8 * ChunkBuffers.Alignment, seed: 12);
        var path = Path.Combine(_folder, "refused.mkv");
        var buffer = ChunkBuffers.Rent();
        await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 0))
        {
            using var writer = new ChunkWriter(file);
            Assert.True(writer.IsDirect);
            // One byte into the buffer: not on a 4 KiB boundary in memory, which direct I/O refuses (EINVAL).
            var unaligned = buffer.Slice(1, bytes.Length);
            bytes.CopyTo(unaligned);
            await writer.WriteAsync(unaligned);
            Assert.False(writer.IsDirect);
            await writer.WriteAsync(unaligned);
        }
        ChunkBuffers.Return(buffer);
        Assert.Equal(bytes.Concat(bytes).ToArray(), await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task A_verified_copy_to_a_file_goes_straight_to_disk()
    {
        var bytes = Bytes(3 * ChunkBuffers.Size + 100, seed: 13);
        var whole = 3 * ChunkBuffers.Size;
        var path = Path.Combine(_folder, "copied.mkv");
        // The source gives the whole chunks at once and holds the tail back: the flag is looked at while the copy is
        // still under way (the unaligned tail ends direct writes), once a chunk is seen on disk.
        var source = new System.IO.Pipelines.Pipe(new System.IO.Pipelines.PipeOptions(pauseWriterThreshold: 0));
        await source.Writer.WriteAsync(bytes.AsMemory(0, whole));
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA512);
        await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 0, FileOptions.Asynchronous))
        {
            var copying = HashingCopy.CopyAsync(source.Reader.AsStream(), file, hash);
            var deadline = DateTime.UtcNow.AddMinutes(1); // a safety net for a stuck copy, not a speed test
            while (new FileInfo(path).Length < ChunkBuffers.Size && !copying.IsCompleted && DateTime.UtcNow < deadline) await Task.Delay(5);
            Assert.True(new FileInfo(path).Length >= ChunkBuffers.Size, "no chunk reached the disk");
            Assert.True(IsDirectNow(file), "the chunks were not written with O_DIRECT");

            await source.Writer.WriteAsync(bytes.AsMemory(whole));
            await source.Writer.CompleteAsync();
            Assert.Equal(bytes.Length, await copying);
            Assert.Equal(bytes.Length, file.Position);
            Assert.False(IsDirectNow(file));
        }
        Assert.Equal(bytes, await File.ReadAllBytesAsync(path));
        Assert.Equal(System.Security.Cryptography.SHA512.HashData(bytes), hash.GetHashAndReset());
    }

    [Fact]
    public void The_buffers_start_on_a_4_KiB_boundary()
    {
        var buffers = Enumerable.Range(0, 3).Select(_ => ChunkBuffers.Rent()).ToList();
        foreach (var buffer in buffers)
        {
            Assert.Equal(ChunkBuffers.Size, buffer.Length);
            unsafe
            {
                using var pin = buffer.Pin();
                Assert.Equal(0, (long)pin.Pointer % ChunkBuffers.Alignment);
            }
            ChunkBuffers.Return(buffer);
        }
    }
}
