using MediaBroker.Broker.Configuration;

namespace MediaBroker.Broker.Conversion;

/// <summary>Turns a profile into the argument list of one ffmpeg run.</summary>
public static class FfmpegArguments
{
    /// <summary>
    /// The broker's own options first (quiet, progress on stdout), then the profile with its placeholders filled in;
    /// the input gets the safety options right before its <c>-i</c>, where ffmpeg applies them to that input.
    /// </summary>
    public static IReadOnlyList<string> Build(ConversionProfile profile, string inputPath, string outputPath)
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
                arguments.Add(InputSafety.FileUrl(outputPath));
            }
            else
            {
                arguments.Add(argument);
            }
        }
        return arguments;
    }
}
