using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace MediaBroker.Shared.Configuration;

/// <summary>
/// Reads broker.json and client.json: snake_case keys, comments and trailing commas allowed, unknown keys refused
/// (a typo must not silently fall back to a default). A mistake becomes one line naming the file, the line and the key.
/// </summary>
public static partial class JsonConfigFile
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
    };

    public static T Read<T>(string path) where T : new()
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"{path}: cannot be read: {error.Message}");
        }
        return Parse<T>(text, path);
    }

    public static T Parse<T>(string text, string fileLabel) where T : new()
    {
        if (string.IsNullOrWhiteSpace(text)) return new T();
        try
        {
            return JsonSerializer.Deserialize<T>(text, Options) ?? new T();
        }
        catch (JsonException error)
        {
            throw new ConfigurationException($"{fileLabel}: {Describe(error)}");
        }
    }

    private static string Describe(JsonException error)
    {
        var line = error.LineNumber is { } number ? $"line {number + 1}: " : "";
        var key = KeyOf(error.Path);
        var message = error.Message;

        if (UnknownProperty().Match(message) is { Success: true } unknown)
            return $"{line}unknown key '{(key.EndsWith(unknown.Groups[1].Value, StringComparison.Ordinal) ? key : Join(key, unknown.Groups[1].Value))}'";
        if (MissingProperties().Match(message) is { Success: true } missing)
            return $"{line}{(key.Length > 0 ? key + ": " : "")}missing {missing.Groups[1].Value.Replace("'", "", StringComparison.Ordinal)}";
        if (ConvertedTo().Match(message) is { Success: true } converted)
            return key.Length == 0 ? $"{line}the file must hold one JSON object {{ ... }}" : $"{line}{key}: must be {Expected(converted.Groups[1].Value)}";
        if (message.Contains("null", StringComparison.OrdinalIgnoreCase) && key.Length > 0)
            return $"{line}{key}: may not be null";
        return $"{line}not valid JSON ({FirstSentence(message)})";
    }

    private static string KeyOf(string? path) =>
        path is null or "$" ? "" : path.TrimStart('$').TrimStart('.').Replace("['", ".", StringComparison.Ordinal).Replace("']", "", StringComparison.Ordinal);

    private static string Join(string parent, string child) => parent.Length == 0 ? child : $"{parent}.{child}";

    private static string Expected(string typeName) => typeName switch
    {
        _ when typeName.Contains("Int", StringComparison.Ordinal) || typeName.Contains("Double", StringComparison.Ordinal) => "a number",
        _ when typeName.Contains("Boolean", StringComparison.Ordinal) => "true or false",
        _ when typeName.Contains("String", StringComparison.Ordinal) && !typeName.Contains('[', StringComparison.Ordinal) => "a string",
        _ when typeName.Contains("List", StringComparison.Ordinal) || typeName.Contains("[]", StringComparison.Ordinal) => "a list",
        _ => "an object",
    };

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message.TrimEnd('.') : message[..end];
    }

    [GeneratedRegex("The JSON property '([^']+)' could not be mapped")]
    private static partial Regex UnknownProperty();

    [GeneratedRegex("missing required properties,? including: (.+?)\\.?$", RegexOptions.Multiline)]
    private static partial Regex MissingProperties();

    [GeneratedRegex("could not be converted to ([^.\\s]+(?:\\.[^.\\s]+)*)")]
    private static partial Regex ConvertedTo();
}
