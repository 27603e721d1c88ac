using System.Text.Json;
using MediaBroker.Shared.Items;
using MediaBroker.Shared.Json;
using Xunit;

namespace MediaBroker.Testing;

/// <summary>Compares items by what they say on the wire (records compare their lists by reference).</summary>
public static class ItemAssert
{
    public static void Same(Item? expected, Item? actual)
    {
        Assert.NotNull(expected);
        Assert.NotNull(actual);
        Assert.Equal(JsonSerializer.Serialize(expected, WireJsonContext.Default.Item), JsonSerializer.Serialize(actual, WireJsonContext.Default.Item));
    }
}
