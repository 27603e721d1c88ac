using System.Globalization;
using Microsoft.OpenApi;

namespace MediaBroker.Broker.Api;

/// <summary>
/// What a route's handler does not say by its signature, for the OpenAPI document (<see cref="ApiReference"/>): the
/// problems it answers, the query parameters and headers it reads by hand, the bodies it streams itself, the headers of
/// its answers.
/// </summary>
public static class OpenApiMetadata
{
    /// <summary>Each status answered with problem+json.</summary>
    public static TBuilder Problems<TBuilder>(this TBuilder builder, params int[] statuses) where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statuses) builder.ProducesProblem(status);
        return builder;
    }

    /// <summary>A query parameter: described where the signature binds it already, added where the handler reads it by hand.</summary>
    public static TBuilder Query<TBuilder>(this TBuilder builder, string name, string description, JsonSchemaType type = JsonSchemaType.String,
        string? format = null, bool required = false) where TBuilder : IEndpointConventionBuilder =>
        builder.Parameter(name, ParameterLocation.Query, description, type, format, required);

    /// <summary>A request header the handler reads.</summary>
    public static TBuilder Header<TBuilder>(this TBuilder builder, string name, string description, bool required = false)
        where TBuilder : IEndpointConventionBuilder =>
        builder.Parameter(name, ParameterLocation.Header, description, JsonSchemaType.String, null, required);

    /// <summary>A description for a path parameter the route binds.</summary>
    public static TBuilder PathParameter<TBuilder>(this TBuilder builder, string name, string description) where TBuilder : IEndpointConventionBuilder =>
        builder.Parameter(name, ParameterLocation.Path, description, JsonSchemaType.String, null, required: true);

    private static TBuilder Parameter<TBuilder>(this TBuilder builder, string name, ParameterLocation location, string description, JsonSchemaType type,
        string? format, bool required) where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            if (operation.Parameters.OfType<OpenApiParameter>().FirstOrDefault(known => known.Name == name && known.In == location) is { } bound)
            {
                bound.Description = description;
                bound.Required |= required;
            }
            else
            {
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = name, In = location, Description = description, Required = required,
                    Schema = new OpenApiSchema { Type = type, Format = format },
                });
            }
            return Task.CompletedTask;
        });

    /// <summary>A header of the answer with <paramref name="status"/> (which must be documented already: Produces first).</summary>
    public static TBuilder ResponseHeader<TBuilder>(this TBuilder builder, int status, string name, string description)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (operation.Responses?.GetValueOrDefault(status.ToString(CultureInfo.InvariantCulture)) is OpenApiResponse response)
            {
                response.Headers ??= new Dictionary<string, IOpenApiHeader>();
                response.Headers[name] = new OpenApiHeader { Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
            }
            return Task.CompletedTask;
        });

    /// <summary>A request body the handler reads itself (a stream, a multipart form), one schema per content type.</summary>
    public static TBuilder Body<TBuilder>(this TBuilder builder, string description, bool required, params (string ContentType, OpenApiSchema Schema)[] contents)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Description = description,
                Required = required,
                Content = contents.ToDictionary(content => content.ContentType, content => new OpenApiMediaType { Schema = content.Schema }),
            };
            return Task.CompletedTask;
        });

    /// <summary>Bytes of a file.</summary>
    public static OpenApiSchema Binary() => new() { Type = JsonSchemaType.String, Format = "binary" };

    public static OpenApiSchema Text(string? description = null) => new() { Type = JsonSchemaType.String, Description = description };
}
