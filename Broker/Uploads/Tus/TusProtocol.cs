using System.Security.Cryptography;
using System.Text;

namespace MediaBroker.Broker.Uploads.Tus;

/// <summary>The fixed parts of tus 1.0 (https://tus.io/protocols/resumable-upload) as this broker speaks it.</summary>
public static class TusProtocol
{
    public const string Version = "1.0.0";
    public const string Extensions = "creation,creation-with-upload,termination,expiration,checksum";
    public const string ChecksumAlgorithms = "sha1,sha256,sha512";
    public const string OffsetContentType = "application/offset+octet-stream";
    /// <summary>The checksum extension's status for a chunk whose checksum does not match.</summary>
    public const int ChecksumMismatch = 460;
    /// <summary>Once the last byte is in: the item the upload became.</summary>
    public const string ItemIdHeader = "MediaBroker-Item-Id";

    public static class Headers
    {
        public const string Resumable = "Tus-Resumable";
        public const string Version = "Tus-Version";
        public const string Extension = "Tus-Extension";
        public const string MaxSize = "Tus-Max-Size";
        public const string ChecksumAlgorithm = "Tus-Checksum-Algorithm";
        public const string Offset = "Upload-Offset";
        public const string Length = "Upload-Length";
        public const string Metadata = "Upload-Metadata";
        public const string Expires = "Upload-Expires";
        public const string Checksum = "Upload-Checksum";
        public const string MethodOverride = "X-HTTP-Method-Override";
    }

    /// <summary>
    /// Parses <c>Upload-Metadata</c>: comma-separated pairs of a key (no spaces or commas) and a Base64 value (which may
    /// be left out). Keys must be unique.
    /// </summary>
    public static (Dictionary<string, string>? Metadata, string? Problem) ParseMetadata(string? header)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(header)) return (metadata, null);
        foreach (var pair in header.Split(',', StringSplitOptions.TrimEntries))
        {
            var parts = pair.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length is 0 or > 2) return (null, $"Upload-Metadata: '{pair}' is not a key and a Base64 value");
            string value;
            try
            {
                value = parts.Length == 2 ? Encoding.UTF8.GetString(Convert.FromBase64String(parts[1])) : "";
            }
            catch (FormatException)
            {
                return (null, $"Upload-Metadata: the value of '{parts[0]}' is not Base64");
            }
            if (!metadata.TryAdd(parts[0], value)) return (null, $"Upload-Metadata: '{parts[0]}' appears twice");
        }
        return (metadata, null);
    }

    /// <summary>Parses <c>Upload-Checksum</c>: an algorithm name, a space, the Base64 digest.</summary>
    public static (ChunkChecksum? Checksum, string? Problem) ParseChecksum(string? header)
    {
        if (string.IsNullOrWhiteSpace(header)) return (null, null);
        var parts = header.Trim().Split(' ', 2);
        HashAlgorithmName? algorithm = parts[0] switch
        {
            "sha1" => HashAlgorithmName.SHA1,
            "sha256" => HashAlgorithmName.SHA256,
            "sha512" => HashAlgorithmName.SHA512,
            _ => null,
        };
        if (algorithm is null) return (null, $"Upload-Checksum: '{parts[0]}' is not one of {ChecksumAlgorithms}");
        try
        {
            return parts.Length == 2 ? (new ChunkChecksum(algorithm.Value, Convert.FromBase64String(parts[1])), null)
                : (null, "Upload-Checksum: the digest is missing");
        }
        catch (FormatException)
        {
            return (null, "Upload-Checksum: the digest is not Base64");
        }
    }

    /// <summary>The date format tus uses for Upload-Expires (RFC 7231).</summary>
    public static string FormatDate(DateTimeOffset date) => date.ToUniversalTime().ToString("r", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The checksum a client sent for one PATCH's bytes.</summary>
public sealed record ChunkChecksum(HashAlgorithmName Algorithm, byte[] Expected);
