using MediaBroker.Broker.Pictures;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Media;

/// <summary>
/// Says what an arriving file is: a picture when libvips reads it (its header, in-process, in about a millisecond),
/// otherwise whatever ffprobe finds. A picture format libvips does not read here is refused, not half-converted.
/// </summary>
public sealed class MediaInspector(PictureReader pictures, MediaProbe probe)
{
    public const string PictureFormats = "jpg, png, gif, webp, tiff, bmp, heic, avif";

    /// <exception cref="OperationCanceledException">The broker stopped the probe; it says nothing about the file.</exception>
    public async Task<ProbeOutcome> InspectAsync(string path, CancellationToken cancellationToken)
    {
        if (pictures.Read(path) is { } picture) return picture;
        var outcome = await probe.ProbeAsync(path, cancellationToken);
        if (outcome.Media?.Type == MediaTypes.Image)
            return new ProbeOutcome(null, $"this picture format ({outcome.Media.Container.Replace("_pipe", "")}) is not one the broker converts (it takes {PictureFormats})");
        return outcome;
    }
}
