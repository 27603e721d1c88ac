using MediaBroker.Shared.Files;

namespace MediaBroker.Shared.Tests;

public sealed class FileNamesTests
{
    [Theory]
    [InlineData("../../x", "x")]
    [InlineData("/etc/passwd", "passwd")]
    [InlineData("C:\\Windows\\system.ini", "system.ini")]
    [InlineData("..", "unnamed")]
    [InlineData(".", "unnamed")]
    [InlineData("", "unnamed")]
    [InlineData("   ", "unnamed")]
    [InlineData(".hidden.mp4", "hidden.mp4")]
    [InlineData("a\0b.mp4", "ab.mp4")]
    [InlineData("tab\there.mp4", "tabhere.mp4")]
    [InlineData("what?*<>|\".mp4", "what______.mp4")]
    [InlineData("Ünïcødé 🎬 فيلم.mkv", "Ünïcødé 🎬 فيلم.mkv")]
    public void A_safe_segment_has_no_folders_control_characters_or_leading_dots(string given, string expected) =>
        Assert.Equal(expected, FileNames.SafeSegment(given));

    [Theory]
    [InlineData("\u202Egnp.exe", "gnp.exe")]
    [InlineData("holiday\u202Egnp.exe.mp4", "holidaygnp.exe.mp4")]
    [InlineData("\u200Ea\u200Fb\u202Ac\u202Bd\u202Ce\u202Df\u2066g\u2067h\u2068i\u2069j\u061C.mkv", "abcdefghij.mkv")]
    [InlineData("فيلم\u200F.mkv", "فيلم.mkv")]
    public void Bidi_controls_are_removed_so_a_name_shows_as_what_it_is(string given, string expected)
    {
        Assert.Equal(expected, FileNames.SafeSegment(given));
        Assert.Equal(expected, FileNames.Original(given));
    }

    [Theory]
    [InlineData("CON", "CON_")]
    [InlineData("con", "con_")]
    [InlineData("NUL.mp4", "NUL_.mp4")]
    [InlineData("con.tar.gz", "con_.tar.gz")]
    [InlineData("Aux.", "Aux_")]
    [InlineData("prn .mkv", "prn_ .mkv")]
    [InlineData("COM1", "COM1_")]
    [InlineData("com9.webp", "com9_.webp")]
    [InlineData("LPT1.mp3", "LPT1_.mp3")]
    [InlineData("lpt9", "lpt9_")]
    [InlineData("COM¹.png", "COM¹_.png")]
    [InlineData("../dir/NUL.png", "NUL_.png")]
    [InlineData("CONSOLE.mp4", "CONSOLE.mp4")]
    [InlineData("COM10.mp4", "COM10.mp4")]
    [InlineData("my.con.mp4", "my.con.mp4")]
    [InlineData("NULL", "NULL")]
    public void A_windows_device_name_is_not_kept_as_it_is(string given, string expected) =>
        Assert.Equal(expected, FileNames.SafeSegment(given));

    [Theory]
    [InlineData("movie.mp4.", "movie.mp4")]
    [InlineData("movie.mp4 . .", "movie.mp4")]
    [InlineData("movie   ", "movie")]
    [InlineData("movie.\u202E", "movie")]
    [InlineData(". . .", "unnamed")]
    public void Trailing_dots_and_spaces_go_as_windows_would_drop_them(string given, string expected) =>
        Assert.Equal(expected, FileNames.SafeSegment(given));

    [Fact]
    public void A_name_cut_to_length_does_not_end_in_a_dot_or_space()
    {
        // An "extension" longer than 16 characters is cut with the rest; the cut lands on a dot.
        var safe = FileNames.SafeSegment(new string('a', 199) + ". " + new string('b', 40));
        Assert.Equal(new string('a', 199), safe);
    }

    [Fact]
    public void A_long_name_is_cut_but_keeps_its_extension()
    {
        var safe = FileNames.SafeSegment(new string('a', 300) + ".mp4");
        Assert.Equal(200, safe.Length);
        Assert.EndsWith(".mp4", safe, StringComparison.Ordinal);
        Assert.Equal(FileNames.MaxLength, FileNames.Original(new string('b', 300)).Length);
    }

    [Fact]
    public void Cutting_never_splits_a_surrogate_pair()
    {
        var name = new string('a', FileNames.MaxLength - 1) + "🎬🎬";
        var original = FileNames.Original(name);
        Assert.False(char.IsHighSurrogate(original[^1]));
    }

    [Fact]
    public void The_original_name_is_kept_for_display_minus_control_characters()
    {
        Assert.Equal("../../x", FileNames.Original("../../x"));
        Assert.Equal("ab", FileNames.Original("a\u0000\u001b\u2028b"));
    }

    [Fact]
    public void An_output_name_takes_the_new_extension() =>
        Assert.Equal("holiday.mkv", FileNames.WithExtension("holiday.mp4", "mkv"));
}
