using MediaBroker.Broker.Configuration;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Conversion;

/// <summary>
/// One way of converting an item's input into its output and checking the result: ffmpeg for video and audio
/// (<see cref="FfmpegConversion"/>), libvips for pictures (<see cref="Pictures.PictureConversion"/>).
/// </summary>
public interface IMediaConversion
{
    /// <param name="title">The title to write into the output's metadata (video and audio); null keeps the input's.</param>
    /// <returns>Null when <paramref name="partial"/> holds the output; otherwise the errors to record.</returns>
    /// <exception cref="OperationCanceledException">The job was stopped; nothing partial is left behind.</exception>
    Task<IReadOnlyList<string>?> ConvertAsync(Guid itemId, ConversionProfile profile, MediaInfo media, string input, string partial, string? title,
        CancellationToken cancellationToken);

    /// <returns>Null when the output is good; otherwise what is wrong with it, for a person.</returns>
    Task<string?> VerifyAsync(ConversionProfile profile, MediaInfo media, string partial, CancellationToken cancellationToken);
}
