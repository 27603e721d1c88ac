using System.Text;
using MediaBroker.Broker.Library;
using MediaBroker.Shared.Files;

namespace MediaBroker.Broker.Tests.Library;

/// <summary>"Title (Year).ext": what Plex and Jellyfin match on, made safe for every file system the library may live on.</summary>
public sealed class LibraryNameTests
{
    [Theory]
    [InlineData("Holiday", 2024, "Holiday (2024).mkv")]
    [InlineData("Holiday", null, "Holiday.mkv")]
    [InlineData("Le Fabuleux Destin d'Amélie Poulain", 2001, "Le Fabuleux Destin d'Amélie Poulain (2001).mkv")]
    [InlineData("千と千尋の神隠し", 2001, "千と千尋の神隠し (2001).mkv")]
    [InlineData("AC/DC: Live at River Plate", null, "AC_DC_ Live at River Plate.mkv")]
    [InlineData("...hidden", null, "hidden.mkv")]
    [InlineData("CON", null, "CON_.mkv")]
    [InlineData("", null, "unnamed.mkv")]
    [InlineData("\u202Egnp.exe", null, "gnp.exe.mkv")]
    public void A_title_becomes_a_name_Plex_matches(string title, int? year, string expected) =>
        Assert.Equal(expected, LibraryPlacement.NameFor(title, year, "mkv"));

    [Fact]
    public void The_second_file_of_a_title_is_numbered() =>
        Assert.Equal("Holiday (2024) (2).mkv", LibraryPlacement.NameFor("Holiday", 2024, "mkv", 2));

    [Fact]
    public void A_hostile_title_of_300_characters_gives_a_name_every_file_system_takes()
    {
        var title = "a/b\\c:d*e?f\"g<h>i|j\u0001k\u007F\tl\r\nm " + string.Concat(Enumerable.Repeat("é", 300));

        var name = LibraryPlacement.NameFor(title, 2020, "mkv", 12);

        Assert.True(Encoding.UTF8.GetByteCount(name) <= 255, $"{Encoding.UTF8.GetByteCount(name)} bytes");
        Assert.Equal(-1, name.IndexOfAny([.. FileNames.ReservedCharacters, '/', '\\']));
        Assert.DoesNotContain(name, char.IsControl);
        Assert.StartsWith("a_b_c_d_e_f_g_h_i_jklm éé", name);
        Assert.EndsWith("é (2020) (12).mkv", name);
        // It really is one name here: a file of that name can be made and found.
        using var folder = new Testing.TempFolder("library-name");
        File.WriteAllBytes(folder.Combine(name), [1]);
        Assert.Equal([name], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_cut_never_splits_a_character_into_invalid_utf8()
    {
        var name = LibraryPlacement.NameFor(string.Concat(Enumerable.Repeat("😀", 100)), null, "mkv");
        Assert.Equal(name, Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(name)));
        Assert.Equal(LibraryPlacement.MaxTitleBytes, Encoding.UTF8.GetByteCount(name[..^4]));
    }
}
