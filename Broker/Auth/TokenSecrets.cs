using System.Security.Cryptography;
using System.Text;

namespace MediaBroker.Broker.Auth;

/// <summary>
/// A token is 32 random bytes (256 bits) in Base64url behind a recognisable prefix; only its SHA-256 is stored. A
/// secret that random needs no slow password hash: nobody can guess it, and a stolen tokens.json gives nothing to replay.
/// </summary>
public static class TokenSecrets
{
    public const string Prefix = "mbt_";

    public static string New() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public static string HashHex(string token) => Convert.ToHexStringLower(Hash(token));

    public static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
