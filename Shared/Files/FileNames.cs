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

    /// <summary>Characters Windows and SMB shares refuse in a name (besides the separators and control characters).</summary>
    public static readonly char[] ReservedCharacters = ['<', '>', ':', '"', '|', '?', '*'];

    // Names Windows takes for a device whatever their extension ("NUL.mp4" opens NUL, not a file), in any case.
    private static readonly HashSet<string> WindowsDeviceNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL",
        "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM¹", "COM²", "COM³",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT¹", "LPT²", "LPT³",
    };

    /// <summary>The name as given, minus control characters (NUL included) and bidi controls, cut to <see cref="MaxLength"/>.</summary>
    public static string Original(string? name)
    {
        var cleaned = RemoveControlCharacters(name ?? "").Trim();
        return cleaned.Length == 0 ? Fallback : Cut(cleaned, MaxLength);
    }

    /// <summary>
    /// One safe path segment: no folders, no leading dots, no characters file systems reject, no trailing dots or
    /// spaces (Windows drops them, so two names would meet), no Windows device name.
    /// </summary>
    public static string SafeSegment(string? name)
    {
        var cleaned = RemoveControlCharacters(name ?? "");
        var lastSeparator = cleaned.LastIndexOfAny(['/', '\\']);
        var segment = lastSeparator >= 0 ? cleaned[(lastSeparator + 1)..] : cleaned;
        var builder = new StringBuilder(segment.Length);
        foreach (var c in segment)
            builder.Append(ReservedCharacters.Contains(c) ? '_' : c);
        var safe = TrimDotsAndSpaces(builder.ToString());
        if (safe.Length == 0) return Fallback;
        // A cut can end on a dot or a space again; the first character stays, since it is neither.
        return NotADevice(TrimDotsAndSpaces(KeepExtensionWhenCut(safe, 200)));
    }

    /// <summary>
    /// A title made a file name stem that every file system takes (ext4, NTFS, an SMB share): separators and reserved
    /// characters become '_', control characters go, runs of spaces become one, no leading or trailing dots or spaces,
    /// no device name, and at most <paramref name="maxUtf8Bytes"/> bytes of UTF-8 (Linux counts bytes, not letters).
    /// Letters of every script stay.
    /// </summary>
    public static string SafeStem(string? title, int maxUtf8Bytes)
    {
        var cleaned = RemoveControlCharacters(title ?? "");
        var builder = new StringBuilder(cleaned.Length);
        foreach (var c in cleaned)
        {
            var replaced = c is '/' or '\\' || ReservedCharacters.Contains(c) ? '_' : char.IsWhiteSpace(c) ? ' ' : c;
            if (replaced == ' ' && builder.Length > 0 && builder[^1] == ' ') continue;
            builder.Append(replaced);
        }
        var safe = TrimDotsAndSpaces(CutUtf8(TrimDotsAndSpaces(builder.ToString()), maxUtf8Bytes));
        return safe.Length == 0 ? Fallback : NotADevice(safe);
    }

    /// <summary>Whether Windows takes the name for a device ("NUL", "com1.txt"), whatever follows its first dot.</summary>
    public static bool IsWindowsDeviceName(string name)
    {
        var dot = name.IndexOf('.');
        return WindowsDeviceNames.Contains((dot < 0 ? name : name[..dot]).TrimEnd(' '));
    }

    /// <summary>The download name of an output: the source's name with the output's extension.</summary>
    public static string WithExtension(string safeName, string extension)
    {
        var stem = Path.GetFileNameWithoutExtension(safeName);
        return $"{(stem.Length == 0 ? Fallback : stem)}.{extension}";
    }

    /// <summary>
    /// "CON" becomes "CON_", "nul.mp4" "nul_.mp4": Windows looks at the part before the first dot, trailing spaces
    /// dropped, so that is where the underscore goes.
    /// </summary>
    private static string NotADevice(string name)
    {
        if (!IsWindowsDeviceName(name)) return name;
        var dot = name.IndexOf('.');
        return name.Insert((dot < 0 ? name : name[..dot]).TrimEnd(' ').Length, "_");
    }

    // Leading dots hide a file; trailing dots and spaces are dropped by Windows, so two names would meet.
    private static string TrimDotsAndSpaces(string text)
    {
        int start = 0, end = text.Length;
        while (start < end && (text[start] == '.' || char.IsWhiteSpace(text[start]))) start++;
        while (end > start && (text[end - 1] == '.' || char.IsWhiteSpace(text[end - 1]))) end--;
        return text[start..end];
    }

    private static string RemoveControlCharacters(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (!char.IsControl(c) && !IsBidiControl(c) && c is not ('\u2028' or '\u2029' or '\uFEFF')) builder.Append(c);
        }
        return builder.ToString();
    }

    /// <summary>
    /// The invisible marks that reorder text around them: "\u202Egnp.exe" shows as "exe.png". Letters of
    /// right-to-left scripts stay; only the controls go.
    /// </summary>
    private static bool IsBidiControl(char c) =>
        c is '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    private static string KeepExtensionWhenCut(string name, int max)
    {
        if (name.Length <= max) return name;
        var extension = Path.GetExtension(name);
        if (extension.Length is 0 or > 16) return Cut(name, max);
        return Cut(name[..^extension.Length], max - extension.Length) + extension;
    }

    // Whole characters only: a cut never splits one into invalid UTF-8.
    private static string CutUtf8(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes) return text;
        var builder = new StringBuilder();
        var bytes = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > maxBytes) break;
            bytes += rune.Utf8SequenceLength;
            builder.Append(rune.ToString());
        }
        return builder.ToString();
    }

    // Never cut between the two halves of a surrogate pair.
    private static string Cut(string text, int max)
    {
        if (text.Length <= max) return text;
        var end = char.IsHighSurrogate(text[max - 1]) ? max - 1 : max;
        return text[..end];
    }
}
