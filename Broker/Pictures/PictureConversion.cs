using System.IO.Abstractions;
using MediaBroker.Broker.Configuration;
using MediaBroker.Broker.Conversion;
using MediaBroker.Broker.Storage;
using MediaBroker.Shared.Files;
using MediaBroker.Shared.Items;
using NetVips;

namespace MediaBroker.Broker.Pictures;

/// <summary>
/// A picture to webp in-process with libvips: the right way up (EXIF orientation applied and reset), colours kept
/// (the ICC profile carried over; CMYK and 16-bit pictures brought to 8-bit sRGB), EXIF and XMP kept unless the type
/// says strip_metadata, alpha kept, an animation kept frame by frame with its timing. Timed by its pixels; a stop kills
/// libvips' work at its next tile.
/// </summary>
public sealed class PictureConversion(ItemStore store, IFileSystem files, TimeProvider time) : IMediaConversion
{
    public async Task<IReadOnlyList<string>?> ConvertAsync(Guid itemId, ConversionProfile profile, MediaInfo media, string input, string partial, string? title,
        CancellationToken cancellationToken)
    {
        var timeout = BrokerSettings.PictureTimeout(Pixels(media));
        using var timer = new CancellationTokenSource(timeout, time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        var progress = ConversionProgress.PercentReporterFor(store, time, itemId);
        try
        {
            // libvips works on the calling thread (and its own pool): a thread of its own keeps the broker's pool free.
            await Task.Factory.StartNew(() => Write(profile, media, input, partial, progress, stop.Token),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            cancellationToken.ThrowIfCancellationRequested();
            return null;
        }
        catch (Exception error) when (error is VipsException or OperationCanceledException)
        {
            files.DeleteFileQuietly(partial);
            cancellationToken.ThrowIfCancellationRequested();
            if (timer.IsCancellationRequested)
                return [$"libvips was stopped after {timeout.TotalSeconds:0} s without finishing (a picture gets 30 s plus 2 s per megapixel)"];
            return [$"the picture could not be converted: {PictureReader.FirstLine((VipsException)error, input)}"];
        }
        catch
        {
            files.DeleteFileQuietly(partial);
            throw;
        }
    }

    public Task<string?> VerifyAsync(ConversionProfile profile, MediaInfo media, string partial, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Verify(profile, media, partial), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Reads the webp back: the size the input is seen at (scaled when the type says so), every frame there.</summary>
    public static string? Verify(ConversionProfile profile, MediaInfo media, string partial)
    {
        if (PictureReader.FormatOf(partial) != "webp")
            return "the output cannot be read back as a webp";
        try
        {
            MediaInfo output;
            using (var header = Image.NewFromFile(partial, access: Enums.Access.Sequential, failOn: Enums.FailOn.Error))
                output = PictureReader.Describe(header, "webp");
            var (width, height) = PictureLimits.Fit(media.Width ?? 0, media.Height ?? 0, profile.MaxDimension);
            // Scaling rounds each side on its own: a pixel either way is the same picture.
            var slack = (width, height) == (media.Width, media.Height) ? 0 : 1;
            if (Math.Abs(output.Width!.Value - width) > slack || Math.Abs(output.Height!.Value - height) > slack)
                return $"the output is {output.Width}x{output.Height} but should be {width}x{height}";
            if (output.Frames != (media.Frames ?? 1))
                return $"the output has {output.Frames} frames but the input {media.Frames ?? 1}";
            if (profile.DecodesToVerify)
            {
                using var whole = Image.NewFromFile(partial, access: Enums.Access.Sequential, failOn: Enums.FailOn.Error,
                    kwargs: new VOption { { "n", -1 } });
                _ = whole.Avg(); // reads every pixel of every frame
            }
            return null;
        }
        catch (VipsException error)
        {
            return $"the output cannot be read back: {PictureReader.FirstLine(error, partial)}";
        }
    }

    private static void Write(ConversionProfile profile, MediaInfo media, string input, string partial, IProgress<int> progress,
        CancellationToken cancellationToken)
    {
        Libvips.EnsureReady();
        using var loaded = Load(profile, media, input);
        using var converted = ForWebp(loaded);
        using var ready = profile.StripMetadata == true ? WithoutMetadata(converted) : converted.Copy();
        ready.SetProgress(progress, cancellationToken);
        Operation.Call("webpsave", new VOption
        {
            { "Q", profile.Quality ?? ConversionProfile.DefaultQuality },
            { "lossless", profile.Lossless ?? false },
            { "effort", profile.Effort ?? ConversionProfile.DefaultEffort },
            // "strip" is libvips 8.14's name (Debian 12; later versions call it "keep" and still take "strip"). 8.14's
            // webpsave writes EXIF even so: WithoutMetadata is what removes it.
            { "strip", profile.StripMetadata ?? false },
        }, ready, partial);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static Image Load(ConversionProfile profile, MediaInfo media, string input)
    {
        var animated = media.Frames > 1;
        var scaled = profile.MaxDimension is { } side && (media.Width > side || media.Height > side);
        if (scaled && !animated)
        {
            // thumbnail shrinks while it decodes (a JPEG at 1/8 of its size costs 1/64 of the work), turns the picture the
            // right way up and brings its colours to sRGB through its own profile.
            return Image.Thumbnail(input, profile.MaxDimension!.Value, height: profile.MaxDimension, size: Enums.Size.Down, failOn: Enums.FailOn.Error);
        }
        var image = Image.NewFromFile(input, access: Enums.Access.Sequential, failOn: Enums.FailOn.Error,
            kwargs: animated ? new VOption { { "n", -1 } } : null);
        if (animated)
        {
            if (!scaled) return image;
            using (image) return ScaleFrames(image, media, profile.MaxDimension!.Value);
        }
        if (!image.Contains("orientation") || (int)image.Get("orientation") is 1)
            return image;
        // Turning a picture reads it in another order than it is stored, which a sequential read cannot do past its
        // small buffer ("out of order read"): such a picture is read whole (at most max_image_pixels).
        image.Dispose();
        using var whole = Image.NewFromFile(input, access: Enums.Access.Random, failOn: Enums.FailOn.Error);
        return whole.Autorot();
    }

    /// <summary>
    /// An animation is one tall strip of frames to libvips: each frame is scaled to the same whole height, so that the
    /// strip still cuts into frames (libvips 8.14's thumbnail cannot be told to read every frame).
    /// </summary>
    private static Image ScaleFrames(Image strip, MediaInfo media, int side)
    {
        var (width, frameHeight) = PictureLimits.Fit(media.Width!.Value, media.Height!.Value, side);
        using var resized = strip.Resize((double)width / strip.Width, vscale: (double)frameHeight / strip.PageHeight);
        return resized.Mutate(image => image.Set(GValue.GIntType, "page-height", frameHeight));
    }

    /// <summary>
    /// Without EXIF, XMP, IPTC and the ICC profile. Colours are first brought to sRGB through the profile, which is what a
    /// viewer assumes of a picture without one.
    /// </summary>
    private static Image WithoutMetadata(Image image)
    {
        using var srgb = image.Contains("icc-profile-data") ? image.IccTransform("srgb", embedded: true, intent: Enums.Intent.Perceptual) : image.Copy();
        return srgb.Mutate(mutable =>
        {
            foreach (var field in srgb.GetFields())
            {
                if (field is "exif-data" or "xmp-data" or "iptc-data" or "icc-profile-data" || field.StartsWith("exif-", StringComparison.Ordinal))
                    mutable.Remove(field);
            }
        });
    }

    /// <summary>webp holds 8-bit sRGB or grey, with or without alpha; anything else is brought there by colour, not by number.</summary>
    private static Image ForWebp(Image image)
    {
        var converted = image.Interpretation switch
        {
            // Through the picture's own ICC profile when it has one, libvips' CMYK profile otherwise; the sRGB profile is attached.
            Enums.Interpretation.Cmyk => image.IccTransform("srgb", embedded: true, intent: Enums.Intent.Perceptual),
            Enums.Interpretation.Srgb or Enums.Interpretation.Bw when image.Format == Enums.BandFormat.Uchar => image.Copy(),
            Enums.Interpretation.Grey16 or Enums.Interpretation.Bw => image.Colourspace(Enums.Interpretation.Bw),
            _ => image.Colourspace(Enums.Interpretation.Srgb),
        };
        if (converted.Format == Enums.BandFormat.Uchar) return converted;
        using (converted) return converted.Cast(Enums.BandFormat.Uchar);
    }

    private static long Pixels(MediaInfo media) => (long)(media.Width ?? 0) * (media.Height ?? 0) * (media.Frames ?? 1);
}
