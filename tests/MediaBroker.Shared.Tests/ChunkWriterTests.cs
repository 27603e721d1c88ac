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
    private static bool IsDirectNow(FileStream file)
    {
        var fd = file.SafeFileHandle.DangerousGetHandle();
        var flags = File.ReadAllLines($"/proc/self/fdinfo/{fd}").Single(line => line.StartsWith("flags:", StringComparison.Ordinal));
        var value = Convert.ToInt64(flags["flags:".Length..].Trim(), 8);
        var direct = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture is System.Runtime.InteropServices.Architecture.Arm64 ? 0x10000 : 0x4000;
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
