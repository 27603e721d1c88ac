using System.IO.Abstractions;
using System.Net;
using MediaBroker.Broker.Fetching.Safety;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Ingest;
using MediaBroker.Broker.Library;
using MediaBroker.Broker.Storage;
using MediaBroker.Broker.Uploads.OneShot;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Fetching;

/// <summary>
/// Makes an item from a link (<c>POST /api/items</c> with a JSON body). What can be checked at once is (the link's
/// form, the conversion type, the library folder); the item is then created in to_do, downloading, with no content
/// yet (an empty sha512, size 0), and <see cref="LinkFetches"/> fetches its input. Whether the link may be fetched at
/// all (allowed hosts, addresses) is decided by the fetcher, at every connection and redirect.
/// </summary>
/// <param name="addresses">The fetcher's own rules: a link to a literal address it would refuse is refused now, not after a doomed fetch.</param>
public sealed class LinkItems(
    ItemStore store, OneShotReceiver staging, UploadLimits limits, IFileSystem files, BrokerSettings settings, AddressRules addresses)
{
    public const int MaxUrlLength = 4096;

    /// <returns>The item, and whether it was created (false: the client had an item from this link and conversion type).</returns>
    /// <exception cref="Rejection">The request is refused (400, or 507 when the disk is full) and nothing is stored.</exception>
    public async Task<(Item Item, bool Created)> AddAsync(LinkRequest request, string clientId, CancellationToken cancellationToken)
    {
        var url = Check(request.Url);
        var conversionType = ConversionTypeOf(request.ConversionType);
        var directory = LibraryDirectory.ForLibrary(request.Directory, settings.LibraryPath);
        if (!ClientIds.IsValid(clientId)) throw Rejection.Invalid($"client_id {ClientIds.Rule}");
        if (store.FindBySource(url.AbsoluteUri, conversionType, clientId) is { } known) return (known, false);
        limits.EnsureRoomLeft(); // 507 now when the disk is full already; the fetch claims room as its size becomes known

        var draft = ItemDraft.New(clientId, conversionType, Http.MediaResponses.FileName(url)) with
        {
            Phase = ItemPhases.Downloading, Source = new ItemSource { Url = url.AbsoluteUri }, Directory = directory,
        };
        var folder = staging.NewStagingFolder();
        var (item, created) = await store.CreateAsync(folder, draft, cancellationToken);
        if (!created) files.Directory.Delete(folder);
        return (item, created);
    }

    /// <summary>An absolute http or https URL not to a literal address the fetcher refuses, or a 400 that says what is wrong with it.</summary>
    public Uri Check(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw Rejection.Invalid("url is required: the http or https link to fetch");
        if (text.Length > MaxUrlLength) throw Rejection.Invalid($"url is longer than {MaxUrlLength} characters");
        if (text.Any(char.IsControl)) throw Rejection.Invalid("url must not contain control characters");
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var url) || url.IsFile || url.IsUnc)
            throw Rejection.Invalid($"url must be an absolute http or https link, like https://example.org/clip.mp4");
        if (LinkSchemes.Refusal(url) is { } scheme) throw Rejection.Invalid($"url {scheme}");
        if (url.UserInfo.Length > 0) throw Rejection.Invalid("url must not carry a user name or password");
        if (url.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && IPAddress.TryParse(url.DnsSafeHost, out var address) && addresses.Refusal(address) is { } refused)
            throw Rejection.Invalid($"url {LinkSchemes.Shown(url)} points at {refused}, which this broker does not fetch from (url_allow_list lets it)");
        return url;
    }

    private string ConversionTypeOf(string? requested)
    {
        if (string.IsNullOrWhiteSpace(requested))
            // A link is most often a video (a page yt-dlp reads, or a clip); anything else names its conversion type.
            return settings.DefaultConversionTypes.GetValueOrDefault(MediaTypes.Video)
                ?? throw Rejection.Invalid("name a conversion_type: this broker has no default for video; choose one of: "
                    + string.Join(", ", settings.ConversionTypes.Keys.Order()));
        var named = requested.Trim();
        return settings.Profile(named) is not null ? named : throw Rejection.UnknownConversionType(named, settings.ConversionTypes.Keys);
    }
}
