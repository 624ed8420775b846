using System.Text.Json.Nodes;
using Google.Protobuf;
using River.Components.Telemetry.Otlp.Collector.Trace;

namespace River.Components.Telemetry.Traces;

/// <summary>
/// OTLP/JSON for trace requests. It is proto3 JSON with two deviations (OTLP spec, "JSON Protobuf Encoding"):
/// trace and span ids are hex strings, not base64, and enums are integers. Google.Protobuf does the rest; the ids
/// are rewritten on the JSON tree.
/// </summary>
public static class OtlpJson
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatEnumsAsIntegers(true));
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    /// <summary>Writes <paramref name="request"/> as OTLP/JSON.</summary>
    public static string Format(IMessage request)
    {
        var node = JsonNode.Parse(Formatter.Format(request))!;
        RewriteIds(node, static base64 => Convert.ToHexStringLower(Convert.FromBase64String(base64)));
        return node.ToJsonString();
    }

    /// <summary>Reads an OTLP/JSON trace request; throws <see cref="InvalidProtocolBufferException"/> or <see cref="FormatException"/> on bad input.</summary>
    public static ExportTraceServiceRequest ParseTraces(string json) => Parse<ExportTraceServiceRequest>(json);

    /// <summary>Reads an OTLP/JSON message of type <typeparamref name="T"/>.</summary>
    public static T Parse<T>(string json)
        where T : IMessage<T>, new()
    {
        var node = JsonNode.Parse(json) ?? throw new FormatException("empty JSON document");
        RewriteIds(node, static hex => Convert.ToBase64String(Convert.FromHexString(hex)));
        return Parser.Parse<T>(node.ToJsonString());
    }

    // traceId, spanId and parentSpanId are the only bytes fields OTLP/JSON writes as hex.
    private static void RewriteIds(JsonNode node, Func<string, string> convert)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    if (value is JsonValue v && key is "traceId" or "spanId" or "parentSpanId" or "trace_id" or "span_id" or "parent_span_id"
                        && v.TryGetValue<string>(out var text) && text.Length > 0)
                    {
                        obj[key] = convert(text);
                    }
                    else if (value is not null)
                    {
                        RewriteIds(value, convert);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    if (item is not null)
                    {
                        RewriteIds(item, convert);
                    }
                }

                break;
        }
    }
}
