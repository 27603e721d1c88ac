using MediaBroker.Shared.Items;

namespace MediaBroker.Shared.Tests;

/// <summary>Short item ids, like git's: a table prints 12 digits, and any unique start of 4 or more picks the item.</summary>
public sealed class ItemIdPrefixTests
{
    private static readonly Guid Heron = Guid.Parse("3f2b8c1e-9a4d-4c1b-8e2f-5d6a7b8c9d0e");
    private static readonly Guid Otter = Guid.Parse("3f2b8c1e-77aa-4c1b-8e2f-5d6a7b8c9d0e");
    private static readonly Guid Finch = Guid.Parse("a0b1c2d3-0000-4000-8000-000000000001");
    private static readonly Guid[] Known = [Heron, Otter, Finch];

    [Fact]
    public void A_table_prints_the_first_twelve_digits_and_they_pick_the_item_again()
    {
        Assert.Equal("3f2b8c1e9a4d", ItemIdPrefix.Short(Heron));
        Assert.Equal(Heron, ItemIdPrefix.Resolve(ItemIdPrefix.Short(Heron), Known));
    }

    [Theory]
    [InlineData("a0b1")]
    [InlineData("A0B1C2D3")]
    [InlineData("a0b1c2d3-0000")]
    public void Any_unique_start_picks_the_item_in_any_case_with_or_without_dashes(string typed) =>
        Assert.Equal(Finch, ItemIdPrefix.Resolve(typed, Known));

    [Fact]
    public void A_whole_id_is_taken_as_it_is_even_when_unknown_here()
    {
        var elsewhere = Guid.NewGuid();
        Assert.Equal(elsewhere, ItemIdPrefix.Resolve(elsewhere.ToString(), Known));
    }

    [Fact]
    public void An_ambiguous_start_names_the_candidates_and_asks_for_more()
    {
        var error = Assert.Throws<ItemIdException>(() => ItemIdPrefix.Resolve("3f2b8c1e", Known));
        Assert.Contains("'3f2b8c1e' starts more than one item's id", error.Message, StringComparison.Ordinal);
        Assert.Contains("3f2b8c1e9a4d", error.Message, StringComparison.Ordinal);
        Assert.Contains("3f2b8c1e77aa", error.Message, StringComparison.Ordinal);
        Assert.Contains("type more of it", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ffff", "no item known here has an id that starts with 'ffff'")]
    [InlineData("3f2", "'3f2' is not an item id")]
    [InlineData("not-an-id", "'not-an-id' is not an item id")]
    public void An_unknown_or_malformed_start_is_one_clear_line(string typed, string expected)
    {
        var error = Assert.Throws<ItemIdException>(() => ItemIdPrefix.Resolve(typed, Known));
        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }
}
