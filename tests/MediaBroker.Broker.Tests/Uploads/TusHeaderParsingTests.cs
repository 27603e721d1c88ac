using System.Security.Cryptography;
using System.Text;
using MediaBroker.Broker.Uploads.Tus;

namespace MediaBroker.Broker.Tests.Uploads;

/// <summary>The two tus headers with a grammar of their own: Upload-Metadata and Upload-Checksum.</summary>
public sealed class TusHeaderParsingTests
{
    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void Metadata_pairs_are_decoded_and_a_key_may_come_without_a_value()
    {
        var (metadata, problem) = TusProtocol.ParseMetadata($"filename {B64("Ünïcødé film.mkv")}, conversion_type {B64("mkv_x265")},is_confidential");

        Assert.Null(problem);
        Assert.Equal(new Dictionary<string, string>
        {
            ["filename"] = "Ünïcødé film.mkv", ["conversion_type"] = "mkv_x265", ["is_confidential"] = "",
        }, metadata);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void No_metadata_is_an_empty_set(string? header)
    {
        var (metadata, problem) = TusProtocol.ParseMetadata(header);

        Assert.Null(problem);
        Assert.Empty(metadata!);
    }

    [Theory]
    [InlineData("filename not-base64!", "Upload-Metadata: the value of 'filename' is not Base64")]
    [InlineData("filename YQ== extra", "Upload-Metadata: 'filename YQ== extra' is not a key and a Base64 value")]
    [InlineData("filename YQ==,filename Yg==", "Upload-Metadata: 'filename' appears twice")]
    [InlineData("filename YQ==,,", "Upload-Metadata: '' is not a key and a Base64 value")]
    public void Broken_metadata_is_refused_with_what_is_wrong(string header, string problem)
    {
        var (metadata, found) = TusProtocol.ParseMetadata(header);

        Assert.Null(metadata);
        Assert.Equal(problem, found);
    }

    [Theory]
    [InlineData("sha1")]
    [InlineData("sha256")]
    [InlineData("sha512")]
    public void A_checksum_names_its_algorithm_and_carries_the_digest(string algorithm)
    {
        var digest = SHA256.HashData("chunk"u8);

        var (checksum, problem) = TusProtocol.ParseChecksum($"{algorithm} {Convert.ToBase64String(digest)}");

        Assert.Null(problem);
        Assert.Equal(algorithm.ToUpperInvariant(), checksum!.Algorithm.Name);
        Assert.Equal(digest, checksum.Expected);
    }

    [Theory]
    [InlineData("md5 AAAA", "Upload-Checksum: 'md5' is not one of sha1,sha256,sha512")]
    [InlineData("sha256", "Upload-Checksum: the digest is missing")]
    [InlineData("sha256 !!!", "Upload-Checksum: the digest is not Base64")]
    public void A_broken_checksum_header_is_refused_with_what_is_wrong(string header, string problem)
    {
        var (checksum, found) = TusProtocol.ParseChecksum(header);

        Assert.Null(checksum);
        Assert.Equal(problem, found);
    }

    [Fact]
    public void No_checksum_header_means_no_check()
    {
        var (checksum, problem) = TusProtocol.ParseChecksum(null);

        Assert.Null(checksum);
        Assert.Null(problem);
    }
}
