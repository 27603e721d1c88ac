using System.Diagnostics;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Library;
using MediaBroker.Broker.Media;
using MediaBroker.Broker.Pictures;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Ingest;

/// <summary>
/// Where one-shot and resumable uploads meet: the rules every upload goes through (checksum 422, duplicate content
/// answered with the existing item, media type decided by libvips or ffprobe 415, an unknown conversion type 400, one that does not take the media 415), and only then the staged
/// file becomes an item in to_do. It owns the staged file from the moment it is handed over.
/// </summary>
public sealed class ItemIngest(ItemStore store, MediaInspector inspector, BrokerSettings settings)
{
    public const string DefaultClientId = "local";

    /// <summary>Checks what can be checked before a single byte is read, so a doomed upload is refused at once.</summary>
    /// <param name="directory">The library folder for the output (see <see cref="LibraryDirectory"/>); null: not placed.</param>
    public UploadClaims CheckClaims(string? fileName, string? conversionType, string? sha512, string? clientId, string? directory = null)
    {
        var claims = new UploadClaims(
            FileNames.Original(fileName),
            string.IsNullOrWhiteSpace(conversionType) ? null : conversionType.Trim(),
            null,
            string.IsNullOrWhiteSpace(clientId) ? DefaultClientId : clientId.Trim(),
            LibraryDirectory.ForLibrary(directory, settings.LibraryPath));
        if (!string.IsNullOrWhiteSpace(sha512))
            claims = claims with { Sha512 = Sha512Hex.Normalize(sha512) ?? throw Rejection.Invalid("sha512_checksum must be 128 hex digits") };
        if (claims.ConversionType is { } type && settings.Profile(type) is null)
            throw Rejection.UnknownConversionType(type, settings.ConversionTypes.Keys);
        if (!ClientIds.IsValid(claims.ClientId))
            throw Rejection.Invalid($"client_id {ClientIds.Rule}");
        return claims;
    }

    /// <summary>The uploader's existing item for this content and conversion type, when the broker already has it from them.</summary>
    public Item? FindExisting(UploadClaims claims, string sha512, string conversionType) => store.FindByContent(sha512, conversionType, claims.ClientId);

    /// <returns>The item, and whether it was created (false: the same content was already here).</returns>
    /// <exception cref="Rejection">The upload is refused; its bytes are gone.</exception>
    /// <exception cref="OperationCanceledException">Stopped; a resumable upload's bytes stay for the next try.</exception>
    public async Task<(Item Item, bool Created)> IngestAsync(StagedFile staged, UploadClaims claims, CancellationToken cancellationToken)
    {
        try
        {
            if (claims.Sha512 is { } expected && expected != staged.Sha512)
                throw Rejection.ChecksumMismatch(expected, staged.Sha512);
            if (claims.ConversionType is { } named && FindExisting(claims, staged.Sha512, named) is { } known)
            {
                staged.Discard();
                return (known, false);
            }

            var (media, conversionType, probingSeconds) = await InspectAsync(staged.Path, claims.ConversionType, cancellationToken);
            var timings = staged.Timings with { ProbingSeconds = probingSeconds };

            var draft = ItemDraft.New(claims.ClientId, conversionType, claims.FileName) with
            {
                Sha512Checksum = staged.Sha512, FileSize = staged.Length, Media = media, Timings = timings, Directory = claims.Directory,
            };
            await staged.OnDisk;
            var (item, created) = await store.CreateAsync(staged.Folder, draft, cancellationToken);
            if (created) staged.MarkCommitted();
            else staged.Discard();
            return (item, created);
        }
        catch (Exception error)
        {
            staged.AfterFailure(error);
            throw;
        }
    }

    /// <summary>
    /// What a file is (libvips or ffprobe decide, never its name) and the conversion type it gets: the rules every input
    /// passes, uploaded or fetched from a link.
    /// </summary>
    /// <param name="conversionType">The one asked for; null: the broker's default for the media type.</param>
    /// <exception cref="Rejection">Not media, or media this broker does not convert (with that conversion type).</exception>
    public async Task<(MediaInfo Media, string ConversionType, double ProbingSeconds)> InspectAsync(
        string path, string? conversionType, CancellationToken cancellationToken)
    {
        var probing = Stopwatch.GetTimestamp();
        var (media, problem) = await inspector.InspectAsync(path, cancellationToken);
        var seconds = Stopwatch.GetElapsedTime(probing).TotalSeconds;
        if (media is null)
            throw Rejection.Unsupported(problem ?? "not a media file");
        return (media, ConversionTypeFor(media, conversionType), seconds);
    }

    private string ConversionTypeFor(MediaInfo media, string? named)
    {
        if (!settings.SupportsMediaType(media.Type))
            throw Rejection.Unsupported($"this file is {media.Type}; this broker converts {string.Join(", ", settings.ListOfSupportedMediaTypes)}");
        var conversionType = named ?? settings.DefaultConversionTypes.GetValueOrDefault(media.Type)
            ?? throw Rejection.Unsupported($"this file is {media.Type} and no conversion type was named; this broker has no default for {media.Type}");
        var profile = settings.Profile(conversionType)!;
        if (!profile.Accepts(media.Type))
            throw Rejection.Unsupported($"conversion type '{conversionType}' does not accept {media.Type} files");
        if (profile.IsPicture && PictureLimits.Fit(media.Width ?? 0, media.Height ?? 0, profile.MaxDimension) is var (width, height)
            && Math.Max(width, height) > PictureLimits.WebpMaxSide)
            throw Rejection.Unsupported($"the picture is {media.Width}x{media.Height}; a webp holds at most {PictureLimits.WebpMaxSide} pixels a side "
                + $"(a conversion type with max_dimension scales it down)");
        return conversionType;
    }
}
