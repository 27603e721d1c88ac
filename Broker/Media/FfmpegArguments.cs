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
    /// </summary>
    public static IReadOnlyList<string> Build(ConversionProfile profile, string inputPath, string outputPath, MediaInfo? input = null)
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
    /// Subtitles of an mp4 or mov (mov_text) cannot be copied into Matroska, which would make the whole conversion
    /// fail; they become SubRip, which it holds, with the same text and timing. Only for profiles that take every
    /// input stream (<c>-map 0</c>), where the n-th subtitle of the input is the n-th of the output.
    /// </summary>
    private static IEnumerable<string> MatroskaSubtitleFixes(ConversionProfile profile, MediaInfo? input)
    {
        if (input is null || profile.OutputExtension is not ("mkv" or "mka" or "mks")) yield break;
        var mapsAll = profile.Arguments.Select((argument, i) => argument == "-map" && i + 1 < profile.Arguments.Count && profile.Arguments[i + 1] == "0").Any(found => found);
        if (!mapsAll) yield break;
        var subtitles = input.Streams.Where(stream => stream.Type == "subtitle").ToList();
        for (var i = 0; i < subtitles.Count; i++)
        {
            if (subtitles[i].Codec != "mov_text") continue;
            yield return $"-c:s:{i.ToString(CultureInfo.InvariantCulture)}";
            yield return "srt";
        }
    }
}
