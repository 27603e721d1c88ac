using System.Globalization;
using MediaBroker.Broker.Configuration;
using MediaBroker.Shared.Items;

namespace MediaBroker.Broker.Media;

/// <summary>Turns a profile into the argument list of one ffmpeg run.</summary>
public static class FfmpegArguments
{
    /// <summary>
    /// The broker's own options first (quiet, progress on stdout), then the profile with its placeholders filled in;
    /// the input gets the safety options right before its <c>-i</c>, where ffmpeg applies them to that input.
    /// A <paramref name="title"/> (hostile text: it stays one argument) goes into the output's metadata, after the profile's own.
    /// </summary>
    public static IReadOnlyList<string> Build(ConversionProfile profile, string inputPath, string outputPath, MediaInfo? input = null,
        IReadOnlyList<CoverFile>? covers = null, string? title = null)
    {
        var arguments = new List<string> { "-hide_banner", "-nostats", "-v", "error", "-progress", "pipe:1", "-y" };
        for (var i = 0; i < profile.Arguments.Count; i++)
        {
            var argument = profile.Arguments[i];
            if (argument == "-i" && i + 1 < profile.Arguments.Count && profile.Arguments[i + 1] == ConversionProfile.InputPlaceholder)
            {
                arguments.AddRange(InputSafety.Options);
                arguments.Add("-i");
                arguments.Add(InputSafety.FileUrl(inputPath));
                i++;
            }
            else if (argument == ConversionProfile.OutputPlaceholder)
            {
                arguments.AddRange(MatroskaSubtitleFixes(profile, input));
                arguments.AddRange(CoverAttachments(input, covers ?? []));
                if (title is not null) arguments.AddRange(["-metadata", $"title={title}"]);
                arguments.Add(InputSafety.FileUrl(outputPath));
            }
            else
            {
                arguments.Add(argument);
            }
        }
        return arguments;
    }

    /// <summary>
    /// The streams of <paramref name="input"/> that are cover pictures, when the profile writes Matroska and takes every
    /// stream: with <c>-map 0</c> and <c>-c:v libx265</c> a cover would be encoded into a second video track (players show
    /// it as one). Matroska keeps a cover as an attachment, which ffmpeg 5.1 can only add from a file: the cover is
    /// copied out first, byte for byte (<see cref="CoverFile"/>).
    /// </summary>
    public static IReadOnlyList<MediaStream> CoversToAttach(ConversionProfile profile, MediaInfo? input) =>
        input is not null && WritesMatroskaOfEveryStream(profile) ? input.Streams.Where(stream => stream.CoverArt).ToList() : [];

    /// <summary>The arguments that copy one cover stream of the input, unchanged, into a picture file of its own.</summary>
    public static IReadOnlyList<string> ExtractCover(string inputPath, MediaStream cover, string target) =>
    [
        "-hide_banner", "-v", "error", "-y", .. InputSafety.Options, "-i", InputSafety.FileUrl(inputPath),
        "-map", $"0:{cover.Index.ToString(CultureInfo.InvariantCulture)}", "-c", "copy", "-frames:v", "1", "-f", "image2", InputSafety.FileUrl(target),
    ];

    private static IEnumerable<string> CoverAttachments(MediaInfo? input, IReadOnlyList<CoverFile> covers)
    {
        if (covers.Count == 0 || input is null) yield break;
        foreach (var cover in covers)
        {
            yield return "-map";
            yield return $"-0:{cover.Stream.Index.ToString(CultureInfo.InvariantCulture)}";
        }
        // Attachments come after every mapped stream, the input's own (fonts) first.
        var attachmentIndex = input.Streams.Count(stream => stream.Type == "attachment");
        foreach (var cover in covers)
        {
            var tag = $"-metadata:s:t:{attachmentIndex.ToString(CultureInfo.InvariantCulture)}";
            yield return "-attach";
            yield return InputSafety.FileUrl(cover.Path);
            yield return tag;
            yield return $"mimetype={cover.MimeType}";
            yield return tag;
            yield return $"filename={cover.FileName}";
            attachmentIndex++;
        }
    }

    private static bool WritesMatroskaOfEveryStream(ConversionProfile profile) =>
        profile.OutputExtension is "mkv" or "mka" or "mks"
        && profile.Arguments.Select((argument, i) => argument == "-map" && i + 1 < profile.Arguments.Count && profile.Arguments[i + 1] == "0").Any(found => found);

    /// <summary>
    /// Subtitles of an mp4 or mov (mov_text) cannot be copied into Matroska, which would make the whole conversion
    /// fail; they become SubRip, which it holds, with the same text and timing. Only for profiles that take every
    /// input stream (<c>-map 0</c>), where the n-th subtitle of the input is the n-th of the output.
    /// </summary>
    private static IEnumerable<string> MatroskaSubtitleFixes(ConversionProfile profile, MediaInfo? input)
    {
        if (input is null || !WritesMatroskaOfEveryStream(profile)) yield break;
        var subtitles = input.Streams.Where(stream => stream.Type == "subtitle").ToList();
        for (var i = 0; i < subtitles.Count; i++)
        {
            if (subtitles[i].Codec != "mov_text") continue;
            yield return $"-c:s:{i.ToString(CultureInfo.InvariantCulture)}";
            yield return "srt";
        }
    }
}

/// <summary>A cover picture copied out of an input, to be attached to the output under Matroska's cover name.</summary>
public sealed record CoverFile(MediaStream Stream, string Path, string MimeType, string FileName)
{
    /// <param name="order">0 for the first cover of the file: it is "cover", the next ones "cover-2", "cover-3"...</param>
    public static CoverFile For(MediaStream stream, string folder, int order)
    {
        var (extension, mimeType) = stream.Codec switch
        {
            "png" => ("png", "image/png"),
            "gif" => ("gif", "image/gif"),
            "webp" => ("webp", "image/webp"),
            "bmp" => ("bmp", "image/bmp"),
            _ => ("jpg", "image/jpeg"),
        };
        var stem = order == 0 ? "cover" : $"cover-{(order + 1).ToString(CultureInfo.InvariantCulture)}";
        return new CoverFile(stream, System.IO.Path.Combine(folder, Storage.ItemFiles.PartialCover(order, extension)), mimeType, $"{stem}.{extension}");
    }
}
