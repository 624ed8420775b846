using River.Components.Telemetry.Otlp.Collector.Trace;
using River.Components.Telemetry.Otlp.Trace;

namespace River.Components.Telemetry.Traces;

/// <summary>Counting helpers over OTLP trace messages (loops, not LINQ: these run per request).</summary>
public static class SpanCounting
{
    /// <summary>The number of spans in a request.</summary>
    public static int SpanCount(this ExportTraceServiceRequest request) => SpanCount(request.ResourceSpans);

    /// <summary>The number of spans in a list of resource spans.</summary>
    public static int SpanCount(this IReadOnlyList<ResourceSpans> resourceSpans)
    {
        var count = 0;
        for (var i = 0; i < resourceSpans.Count; i++)
        {
            count += resourceSpans[i].SpanCount();
        }

        return count;
    }

    /// <summary>The number of spans of one resource.</summary>
    public static int SpanCount(this ResourceSpans resourceSpans)
    {
        var count = 0;
        var scopes = resourceSpans.ScopeSpans;
        for (var i = 0; i < scopes.Count; i++)
        {
            count += scopes[i].Spans.Count;
        }

        return count;
    }
}
