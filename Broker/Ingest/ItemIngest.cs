using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Conversion;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Hashing;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Ingest;

/// <summary>
/// The rules every upload goes through, one-shot or resumable: checksum (422), duplicate content (the existing item),
/// media type decided by ffprobe (415), conversion type (415). Only then does the upload become an item in to_do.
/// </summary>
public sealed class ItemIngest(ItemStore store, MediaProbe probe, BrokerSettings settings)
{
    public const string DefaultClientId = "local";

    /// <summary>Checks what can be checked before a single byte is read, so a doomed upload is refused at once.</summary>
    public UploadClaims CheckClaims(string? fileName, string? conversionType, string? sha512, string? clientId)
    {
        var claims = new UploadClaims(
            FileNames.Original(fileName),
            string.IsNullOrWhiteSpace(conversionType) ? null : conversionType.Trim(),
            null,
            string.IsNullOrWhiteSpace(clientId) ? DefaultClientId : clientId.Trim());
        if (!string.IsNullOrWhiteSpace(sha512))
            claims = claims with { Sha512 = Sha512Hex.Normalize(sha512) ?? throw IngestRejection.BadRequest("sha512_checksum must be 128 hex digits") };
        if (claims.ConversionType is { } type && settings.Profile(type) is null)
            throw IngestRejection.Unsupported(
                $"conversion type '{type}' is not offered here (offered: {string.Join(", ", settings.ConversionTypes.Keys.Order())})");
        if (!ClientIds.IsValid(claims.ClientId))
            throw IngestRejection.BadRequest($"client_id {ClientIds.Rule}");
        return claims;
    }

    /// <summary>The existing item for this content and conversion type, when the broker already has it.</summary>
    public Item? FindExisting(string sha512, string conversionType) => store.FindByContent(sha512, conversionType);

    /// <returns>The item, and whether it was created (false: the same content was already here).</returns>
    public async Task<(Item Item, bool Created)> IngestAsync(ReceivedFile file, UploadClaims claims, CancellationToken cancellationToken)
    {
        try
        {
            if (claims.Sha512 is { } expected && expected != file.Sha512)
                throw IngestRejection.ChecksumMismatch(expected, file.Sha512);
            if (claims.ConversionType is { } named && FindExisting(file.Sha512, named) is { } known)
            {
                UploadReceiver.Discard(file.StagingFolder);
                return (known, false);
            }

            var (media, problem) = await probe.ProbeAsync(file.Path, cancellationToken);
            if (media is null)
                throw IngestRejection.Unsupported(problem ?? "not a media file");
            if (!settings.SupportsMediaType(media.Type))
                throw IngestRejection.Unsupported(
                    $"this file is {media.Type}; this broker converts {string.Join(", ", settings.ListOfSupportedMediaTypes)}");
            var conversionType = claims.ConversionType ?? settings.DefaultConversionTypes.GetValueOrDefault(media.Type)
                ?? throw IngestRejection.Unsupported($"this file is {media.Type} and no conversion type was named; this broker has no default for {media.Type}");
            if (!settings.Profile(conversionType)!.Accepts(media.Type))
                throw IngestRejection.Unsupported($"conversion type '{conversionType}' does not accept {media.Type} files");

            var draft = new Item
            {
                ItemId = Guid.NewGuid(),
                ClientId = claims.ClientId,
                CreatedAt = default,
                UpdatedAt = default,
                QueuedAt = default,
                ConversionType = conversionType,
                OriginalFileName = FileNames.Original(claims.FileName),
                CurrentFileName = FileNames.SafeSegment(claims.FileName),
                Sha512Checksum = file.Sha512,
                FileSize = file.Length,
                Status = ItemStatus.ToDo,
                Media = media,
            };
            var (item, created) = await store.CreateAsync(file.StagingFolder, draft, cancellationToken);
            if (!created) UploadReceiver.Discard(file.StagingFolder);
            return (item, created);
        }
        catch
        {
            UploadReceiver.Discard(file.StagingFolder);
            throw;
        }
    }
}
