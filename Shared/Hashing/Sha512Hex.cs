using System.Buffers;
using System.IO.Abstractions;
using System.Security.Cryptography;

namespace MediaBroker.Shared.Hashing;

/// <summary>SHA-512 as MediaBroker writes it everywhere: 128 lowercase hex digits.</summary>
public static class Sha512Hex
{
    public const int Length = 128;
    private const int ReadSize = 1 << 20;

    public static string Of(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA512.HashData(data));

    public static async Task<string> OfStreamAsync(Stream stream, CancellationToken cancellationToken = default) =>
        Convert.ToHexStringLower(await SHA512.HashDataAsync(stream, cancellationToken));

    public static Task<string> OfFileAsync(string path, CancellationToken cancellationToken = default) =>
        OfFileAsync(RealDisk, path, cancellationToken);

    public static async Task<string> OfFileAsync(IFileSystem files, string path, CancellationToken cancellationToken = default)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        await AppendFileAsync(files, path, hash, cancellationToken);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// Feeds a whole file to a hash in large reads into one pooled buffer. A buffered stream would allocate a fresh
    /// 1 MiB buffer for every file: 100 GB of garbage for a first scan of 100,000 small files.
    /// </summary>
    /// <returns>The number of bytes read.</returns>
    public static async Task<long> AppendFileAsync(IFileSystem files, string path, IncrementalHash hash, CancellationToken cancellationToken = default)
    {
        await using var stream = files.FileStream.New(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0,
            FileOptions.SequentialScan | FileOptions.Asynchronous);
        var buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
        try
        {
            long total = 0;
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, ReadSize), cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                total += read;
            }
            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Accepts any case and surrounding blanks; returns the canonical form or null when it is not a sha512.</summary>
    public static string? Normalize(string? text)
    {
        var trimmed = text?.Trim();
        if (trimmed is null || trimmed.Length != Length) return null;
        foreach (var c in trimmed)
        {
            if (!char.IsAsciiHexDigit(c)) return null;
        }
        return trimmed.ToLowerInvariant();
    }

    public static string ToBase64(string hex) => Convert.ToBase64String(Convert.FromHexString(hex));

    public static string FromBase64(string base64) => Convert.ToHexStringLower(Convert.FromBase64String(base64));

    /// <summary>A read stream tuned for one pass over a large file.</summary>
    public static Stream OpenSequential(string path) => OpenSequential(RealDisk, path);

    public static FileSystemStream OpenSequential(IFileSystem files, string path) =>
        files.FileStream.New(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous);

    private static readonly FileSystem RealDisk = new();
}
