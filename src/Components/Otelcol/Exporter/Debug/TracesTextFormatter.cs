using System.Globalization;
using System.Text;
using River.Components.Telemetry.Otlp.Collector.Trace;
using River.Components.Telemetry.Otlp.Common;
using River.Components.Telemetry.Otlp.Trace;

namespace River.Components.Otelcol.Exporter.Debug;

/// <summary>Renders spans as the Collector's debug exporter does for the normal and detailed verbosities.</summary>
public static class TracesTextFormatter
{
    /// <summary>One line per span: name, trace id, span id and attributes, under a line per resource.</summary>
    public static string Normal(ExportTraceServiceRequest request)
    {
        var text = new StringBuilder();
        foreach (var resource in request.ResourceSpans)
        {
            text.Append("ResourceTraces #").Append(Attributes(resource.Resource?.Attributes)).Append('\n');
            foreach (var scope in resource.ScopeSpans)
            {
                text.Append("ScopeTraces ").Append(scope.Scope?.Name).Append(' ').Append(scope.Scope?.Version).Append('\n');
                foreach (var span in scope.Spans)
                {
                    text.Append(span.Name).Append(' ').Append(Hex(span.TraceId)).Append(' ').Append(Hex(span.SpanId));
                    if (span.Attributes.Count > 0)
                    {
                        text.Append(' ').Append(Attributes(span.Attributes));
                    }

                    text.Append('\n');
                }
            }
        }

        return text.ToString();
    }

    /// <summary>Every field of every resource, scope, span, event and link.</summary>
    public static string Detailed(ExportTraceServiceRequest request)
    {
        var text = new StringBuilder();
        for (var r = 0; r < request.ResourceSpans.Count; r++)
        {
            var resource = request.ResourceSpans[r];
            text.Append("ResourceSpans #").Append(r).Append('\n');
            text.Append("Resource SchemaURL: ").Append(resource.SchemaUrl).Append('\n');
            AttributeLines(text, "Resource attributes:", resource.Resource?.Attributes, "     -> ");
            for (var s = 0; s < resource.ScopeSpans.Count; s++)
            {
                var scope = resource.ScopeSpans[s];
                text.Append("ScopeSpans #").Append(s).Append('\n');
                text.Append("ScopeSpans SchemaURL: ").Append(scope.SchemaUrl).Append('\n');
                text.Append("InstrumentationScope ").Append(scope.Scope?.Name).Append(' ').Append(scope.Scope?.Version).Append('\n');
                AttributeLines(text, "InstrumentationScope attributes:", scope.Scope?.Attributes, "     -> ");
                for (var i = 0; i < scope.Spans.Count; i++)
                {
                    var span = scope.Spans[i];
                    text.Append("Span #").Append(i).Append('\n');
                    Field(text, "Trace ID", Hex(span.TraceId));
                    Field(text, "Parent ID", Hex(span.ParentSpanId));
                    Field(text, "ID", Hex(span.SpanId));
                    Field(text, "Name", span.Name);
                    Field(text, "Kind", KindName(span.Kind));
                    Field(text, "Start time", Time(span.StartTimeUnixNano));
                    Field(text, "End time", Time(span.EndTimeUnixNano));
                    Field(text, "Status code", StatusName(span.Status?.Code ?? Status.Types.StatusCode.Unset));
                    Field(text, "Status message", span.Status?.Message ?? "");
                    AttributeLines(text, "Attributes:", span.Attributes, "     -> ");
                    if (span.Events.Count > 0)
                    {
                        text.Append("Events:\n");
                        for (var e = 0; e < span.Events.Count; e++)
                        {
                            var evt = span.Events[e];
                            text.Append("SpanEvent #").Append(e).Append('\n');
                            text.Append("     -> Name: ").Append(evt.Name).Append('\n');
                            text.Append("     -> Timestamp: ").Append(Time(evt.TimeUnixNano)).Append('\n');
                            text.Append("     -> DroppedAttributesCount: ").Append(evt.DroppedAttributesCount).Append('\n');
                            AttributeLines(text, "     -> Attributes::", evt.Attributes, "          -> ");
                        }
                    }

                    if (span.Links.Count > 0)
                    {
                        text.Append("Links:\n");
                        for (var l = 0; l < span.Links.Count; l++)
                        {
                            var link = span.Links[l];
                            text.Append("SpanLink #").Append(l).Append('\n');
                            text.Append("     -> Trace ID: ").Append(Hex(link.TraceId)).Append('\n');
                            text.Append("     -> ID: ").Append(Hex(link.SpanId)).Append('\n');
                            text.Append("     -> TraceState: ").Append(link.TraceState).Append('\n');
                            text.Append("     -> DroppedAttributesCount: ").Append(link.DroppedAttributesCount).Append('\n');
                            AttributeLines(text, "     -> Attributes::", link.Attributes, "          -> ");
                        }
                    }
                }
            }
        }

        return text.ToString();
    }

    /// <summary>An attribute value as the Collector prints it: <c>Str(x)</c>, <c>Int(1)</c>, <c>Double(0.5)</c>, …</summary>
    public static string Value(AnyValue? value) => value?.ValueCase switch
    {
        null or AnyValue.ValueOneofCase.None => "Empty()",
        AnyValue.ValueOneofCase.StringValue => $"Str({value.StringValue})",
        AnyValue.ValueOneofCase.BoolValue => $"Bool({(value.BoolValue ? "true" : "false")})",
        AnyValue.ValueOneofCase.IntValue => $"Int({value.IntValue.ToString(CultureInfo.InvariantCulture)})",
        AnyValue.ValueOneofCase.DoubleValue => $"Double({value.DoubleValue.ToString(CultureInfo.InvariantCulture)})",
        AnyValue.ValueOneofCase.BytesValue => $"Bytes({Convert.ToBase64String(value.BytesValue.Span)})",
        AnyValue.ValueOneofCase.ArrayValue => $"Slice([{string.Join(",", value.ArrayValue.Values.Select(Plain))}])",
        AnyValue.ValueOneofCase.KvlistValue => $"Map({{{string.Join(",", value.KvlistValue.Values.Select(kv => $"\"{kv.Key}\":{Plain(kv.Value)}"))}}})",
        _ => "Empty()",
    };

    private static string Plain(AnyValue value) => value.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => $"\"{value.StringValue}\"",
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(CultureInfo.InvariantCulture),
        _ => Value(value),
    };

    private static string Attributes(IEnumerable<KeyValue>? attributes) =>
        attributes is null ? "" : string.Join(' ', attributes.Select(a => $"{a.Key}={PlainText(a.Value)}"));

    private static string PlainText(AnyValue? value) => value?.ValueCase == AnyValue.ValueOneofCase.StringValue ? value.StringValue : value is null ? "" : Plain(value);

    private static void AttributeLines(StringBuilder text, string title, IList<KeyValue>? attributes, string indent)
    {
        if (attributes is null || attributes.Count == 0)
        {
            return;
        }

        text.Append(title).Append('\n');
        foreach (var attribute in attributes)
        {
            text.Append(indent).Append(attribute.Key).Append(": ").Append(Value(attribute.Value)).Append('\n');
        }
    }

    private static void Field(StringBuilder text, string name, string value) =>
        text.Append("    ").Append(name.PadRight(15)).Append(": ").Append(value).Append('\n');

    private static string Hex(Google.Protobuf.ByteString bytes) => bytes.IsEmpty ? "" : Convert.ToHexStringLower(bytes.Span);

    private static string Time(ulong unixNano)
    {
        var time = DateTime.UnixEpoch.AddTicks((long)(unixNano / 100));
        var nanos = unixNano % 1_000_000_000;
        return time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "." + nanos.ToString("D9", CultureInfo.InvariantCulture) + " +0000 UTC";
    }

    private static string KindName(Span.Types.SpanKind kind) => kind switch
    {
        Span.Types.SpanKind.Internal => "Internal",
        Span.Types.SpanKind.Server => "Server",
        Span.Types.SpanKind.Client => "Client",
        Span.Types.SpanKind.Producer => "Producer",
        Span.Types.SpanKind.Consumer => "Consumer",
        _ => "Unspecified",
    };

    private static string StatusName(Status.Types.StatusCode code) => code switch
    {
        Status.Types.StatusCode.Ok => "Ok",
        Status.Types.StatusCode.Error => "Error",
        _ => "Unset",
    };
}
