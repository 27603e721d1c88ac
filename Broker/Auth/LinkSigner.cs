using System.IO.Abstractions;
using System.Security.Cryptography;
using System.Text;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Files;

namespace MediaBroker.Broker.Auth;

/// <summary>
/// Signs and checks download links: HMAC-SHA256 over the item, the expiry, the output's sha512 and the file name, with
/// a key kept in the data folder (link-signing.key, 0600). A link dies when it expires, when the output changes (a
/// retried item) and when the key is rotated (<c>media-broker token rotate-link-key</c>): the broker reads the key again
/// as soon as the file changes.
/// </summary>
public sealed class LinkSigner(DataFolder data, IFileSystem files)
{
    public const string KeyFileName = "link-signing.key";
    private readonly Lock _gate = new();
    private (DateTime Written, long Length) _stamp;
    private byte[]? _key;

    public static string KeyPath(DataFolder data) => Path.Combine(data.Root, KeyFileName);

    public string Sign(Guid itemId, long expiresUnixSeconds, string outputSha512, string fileName) =>
        TokenSecrets.Base64Url(HMACSHA256.HashData(Key(), Message(itemId, expiresUnixSeconds, outputSha512, fileName)));

    public bool Verify(Guid itemId, long expiresUnixSeconds, string outputSha512, string fileName, string signature)
    {
        var expected = Encoding.ASCII.GetBytes(Sign(itemId, expiresUnixSeconds, outputSha512, fileName));
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

    private static byte[] Message(Guid itemId, long expires, string outputSha512, string fileName) =>
        Encoding.UTF8.GetBytes($"mediabroker-link-v1\n{itemId:N}\n{expires}\n{outputSha512}\n{fileName}");

    private byte[] Key()
    {
        var path = KeyPath(data);
        lock (_gate)
        {
            if (!files.File.Exists(path)) RotateAsync(data, files).GetAwaiter().GetResult();
            var info = files.FileInfo.New(path);
            if (_key is null || (info.LastWriteTimeUtc, info.Length) != _stamp)
            {
                _key = Convert.FromBase64String(files.File.ReadAllText(path).Trim());
                _stamp = (info.LastWriteTimeUtc, info.Length);
            }
            return _key;
        }
    }
}
