using System.Text;

namespace MediaBroker.Shared.Files;

/// <summary>
/// Turns the file name an uploader sends into display data. The broker never opens a path built from it;
/// these rules only keep names readable and harmless when shown or offered as a download name.
/// </summary>
public static class FileNames
{
    public const int MaxLength = 255;
    private const string Fallback = "unnamed";

    /// <summary>The name as given, minus control characters (NUL included), cut to <see cref="MaxLength"/>.</summary>
    public static string Original(string? name)
    {
        var cleaned = RemoveControlCharacters(name ?? "").Trim();
        return cleaned.Length == 0 ? Fallback : Cut(cleaned, MaxLength);
    }

    /// <summary>One safe path segment: no folders, no leading dots, no characters file systems reject.</summary>
    public static string SafeSegment(string? name)
    {
        var cleaned = RemoveControlCharacters(name ?? "");
        var lastSeparator = cleaned.LastIndexOfAny(['/', '\\']);
        var segment = lastSeparator >= 0 ? cleaned[(lastSeparator + 1)..] : cleaned;
        var builder = new StringBuilder(segment.Length);
        foreach (var c in segment)
            builder.Append(c is '<' or '>' or ':' or '"' or '|' or '?' or '*' ? '_' : c);
        var safe = builder.ToString().Trim().TrimStart('.').Trim();
        if (safe.Length == 0) return Fallback;
        return KeepExtensionWhenCut(safe, 200);
    }

    /// <summary>The download name of an output: the source's name with the output's extension.</summary>
    public static string WithExtension(string safeName, string extension)
    {
        var stem = Path.GetFileNameWithoutExtension(safeName);
        return $"{(stem.Length == 0 ? Fallback : stem)}.{extension}";
    }

    private static string RemoveControlCharacters(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (!char.IsControl(c) && c is not ('\u2028' or '\u2029' or '\uFEFF')) builder.Append(c);
        }
        return builder.ToString();
    }

    private static string KeepExtensionWhenCut(string name, int max)
    {
        if (name.Length <= max) return name;
        var extension = Path.GetExtension(name);
        if (extension.Length is 0 or > 16) return Cut(name, max);
        return Cut(name[..^extension.Length], max - extension.Length) + extension;
    }

    // Never cut between the two halves of a surrogate pair.
    private static string Cut(string text, int max)
    {
        if (text.Length <= max) return text;
        var end = char.IsHighSurrogate(text[max - 1]) ? max - 1 : max;
        return text[..end];
    }
}
