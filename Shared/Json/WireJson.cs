using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using MediaBroker.Shared.Api;
using MediaBroker.Shared.Items;

namespace MediaBroker.Shared.Json;

/// <summary>
/// The one JSON shape of MediaBroker: snake_case names, enums as snake_case strings, nulls left out.
/// Source-generated so that an index of 100,000 items reads and writes without reflection.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DictionaryKeyPolicy = JsonKnownNamingPolicy.Unspecified,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false)]
[JsonSerializable(typeof(Item))]
[JsonSerializable(typeof(List<Item>))]
[JsonSerializable(typeof(ItemPage))]
[JsonSerializable(typeof(ServerInfo))]
[JsonSerializable(typeof(BrokerStats))]
[JsonSerializable(typeof(SignedLink))]
[JsonSerializable(typeof(LinkRequest))]
[JsonSerializable(typeof(Dictionary<string, string>))]
public sealed partial class WireJsonContext : JsonSerializerContext;

public static class WireJson
{
    /// <summary>Options for callers that serialize types outside the context (they fall back to reflection).</summary>
    public static readonly JsonSerializerOptions Options = CreateOptions(indented: false);

    public static readonly JsonSerializerOptions Indented = CreateOptions(indented: true);

    /// <summary>Applies the wire conventions to options owned by someone else (ASP.NET Core's, for example).</summary>
    public static void Apply(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.TypeInfoResolverChain.Insert(0, WireJsonContext.Default);
        // Types outside the context still serialize, by reflection.
        if (!options.TypeInfoResolverChain.OfType<DefaultJsonTypeInfoResolver>().Any())
            options.TypeInfoResolverChain.Add(new DefaultJsonTypeInfoResolver());
    }

    private static JsonSerializerOptions CreateOptions(bool indented)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = indented };
        Apply(options);
        return options;
    }
}
