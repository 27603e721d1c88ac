using MediaBroker.Broker.Pictures;
using MediaBroker.Shared.Items;
using NetVips;

namespace MediaBroker.Broker.Thumbnails;

/// <summary>The request could not get a turn: too many thumbnails are being made or waited for.</summary>
public sealed class ThumbnailsBusyException() : Exception("too many thumbnails are being made; try again shortly");

/// <summary>
/// Makes one jpeg thumbnail: libvips' thumbnail for pictures (it shrinks while it decodes), a frame by ffmpeg for
/// video. A small fixed number run at once, whoever asks, and only so many may wait: a burst of requests cannot
/// start a process or a decode each.
/// </summary>
public sealed class ThumbnailMaker(FrameGrabber grabber)
{
    public static readonly int AtOnce = Math.Clamp(Environment.ProcessorCount / 2, 1, 4);
    public const int MaxWaiting = 32;

    private readonly SemaphoreSlim _turns = new(AtOnce, AtOnce);
    private int _waiting;

    /// <returns>True when <paramref name="target"/> holds the thumbnail; false when none could be made from the file.</returns>
    /// <exception cref="ThumbnailsBusyException">More than <see cref="MaxWaiting"/> requests are waiting already.</exception>
    public async Task<bool> MakeAsync(MediaInfo media, string source, string target, int side, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _waiting) > MaxWaiting + AtOnce)
        {
            Interlocked.Decrement(ref _waiting);
            throw new ThumbnailsBusyException();
        }
        try
        {
            await _turns.WaitAsync(cancellationToken);
            try
            {
                return PictureReader.FormatOf(source) is not null
                    ? await Task.Factory.StartNew(() => MakeFromPicture(source, target, side), cancellationToken,
                        TaskCreationOptions.LongRunning, TaskScheduler.Default)
                    : await grabber.GrabAsync(media, source, target, side, side, cancellationToken);
            }
            finally
            {
                _turns.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    private static bool MakeFromPicture(string source, string target, int side)
    {
        try
        {
            // Shrink-on-load, orientation applied, colours to sRGB; the first frame of an animation.
            using var thumbnail = Image.Thumbnail(source, side, height: side, size: Enums.Size.Down, failOn: Enums.FailOn.Error);
            using var flat = thumbnail.HasAlpha() ? thumbnail.Flatten(background: [255, 255, 255]) : thumbnail.Copy();
            Operation.Call("jpegsave", new VOption { { "Q", 80 }, { "strip", true } }, flat, target);
            return true;
        }
        catch (VipsException)
        {
            return false;
        }
    }
}
