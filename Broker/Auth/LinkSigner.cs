using System.IO.Abstractions;
using System.Security.Cryptography;
using System.Text;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Files;

namespace MediaBroker.Broker.Auth;

/// <summary>
/// Signs and checks download links: HMAC-SHA256 over the item, the expiry, the output's sha512, the file name and the
/// token that made it, with a key kept in the data folder (link-signing.key, 0600). A link dies when it expires, when
/// the output changes (a retried item), when the token that made it is revoked (see SignedLinks) and when the key is rotated (<c>media-broker token rotate-link-key</c>): the broker reads the key again
/// as soon as the file changes.
/// </summary>
public sealed class LinkSigner(DataFolder data, IFileSystem files)
{
    public const string KeyFileName = "link-signing.key";
    private readonly Lock _gate = new();
    private (DateTime Written, long Length) _stamp;
    private byte[]? _key;

    public static string KeyPath(DataFolder data) => Path.Combine(data.Root, KeyFileName);

    public string Sign(Guid itemId, long expiresUnixSeconds, string outputSha512, string fileName, string madeBy) =>
        TokenSecrets.Base64Url(HMACSHA256.HashData(Key(), Message(itemId, expiresUnixSeconds, outputSha512, fileName, madeBy)));

    public bool Verify(Guid itemId, long expiresUnixSeconds, string outputSha512, string fileName, string madeBy, string signature)
    {
        var expected = Encoding.ASCII.GetBytes(Sign(itemId, expiresUnixSeconds, outputSha512, fileName, madeBy));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature));
    }

    /// <summary>A new key: every link signed so far stops working.</summary>
    public static async Task RotateAsync(DataFolder data, IFileSystem files, CancellationToken cancellationToken = default)
    {
        files.Directory.CreateDirectory(data.Root);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await files.WriteAtomicallyAsync(KeyPath(data), (stream, ct) => stream.WriteAsync(Encoding.ASCII.GetBytes(key), ct).AsTask(),
            cancellationToken, TokenFile.OwnerOnly);
    }

    private static byte[] Message(Guid itemId, long expires, string outputSha512, string fileName, string madeBy) =>
        Encoding.UTF8.GetBytes($"mediabroker-link-v1\n{itemId:N}\n{expires}\n{outputSha512}\n{fileName}\n{madeBy}");

    private byte[]? ReadKey(string path)
    {
        try
        {
            return Convert.FromBase64String(files.File.ReadAllText(path).Trim());
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private byte[] Key()
    {
        var path = KeyPath(data);
        lock (_gate)
        {
            if (!files.File.Exists(path)) RotateAsync(data, files).GetAwaiter().GetResult();
            var info = files.FileInfo.New(path);
            if (_key is null || (info.LastWriteTimeUtc, info.Length) != _stamp)
            {
                var key = ReadKey(path);
                if (key is not { Length: >= 32 })
                {
                    // Damaged or cut short (an empty key would let anyone sign): links made with it are void anyway.
                    RotateAsync(data, files).GetAwaiter().GetResult();
                    key = ReadKey(path)!;
                    info = files.FileInfo.New(path);
                }
                _key = key;
                _stamp = (info.LastWriteTimeUtc, info.Length);
            }
            return _key;
        }
    }
}
