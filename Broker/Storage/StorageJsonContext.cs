using System.Text.Json;
using System.Text.Json.Serialization;

namespace MediaBroker.Broker.Storage;

/// <summary>Source-generated JSON for the broker's own files, in the same snake_case shape as the wire.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(IndexDocument))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
