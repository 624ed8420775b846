using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using River.Components.Beyla.Discovery;
using River.Components.Telemetry.Otlp.Collector.Trace;
using River.Components.Telemetry.Otlp.Common;
using River.Components.Telemetry.Otlp.Resource;
using River.Components.Telemetry.Otlp.Trace;
using OtlpSpan = River.Components.Telemetry.Otlp.Trace.Span;

namespace River.Components.Beyla;

/// <summary>
/// Turns requests into OTLP spans as Beyla does: one span per request, kind SERVER or CLIENT, named
/// <c>METHOD ROUTE</c> (just <c>METHOD</c> without a route), with the OTel HTTP semantic-convention attributes, status
/// ERROR for 5xx on the server side, 4xx and 5xx on the client side and for a missing status; and the resource
/// attributes of the service (<c>service.*</c>, <c>telemetry.sdk.*</c>, <c>host.name</c>, <c>os.type</c>).
/// </summary>
public sealed class SpanFactory
{
    /// <summary>The <c>telemetry.sdk.name</c> Beyla reports.</summary>
    public const string TelemetrySdkName = "beyla";

    /// <summary>The instrumentation scope of the spans.</summary>
    public const string ScopeName = "beyla.ebpf";

    /// <summary>The <c>telemetry.sdk.version</c> reported: River's version.</summary>
    public static readonly string TelemetrySdkVersion =
        typeof(SpanFactory).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    private readonly string _hostName;
    private readonly long _monotonicToUnixNs;

    /// <summary>Creates a factory.</summary>
    /// <param name="hostName">The <c>host.name</c> resource attribute.</param>
    /// <param name="monotonicToUnixNs">
    /// Added to kernel (<c>CLOCK_MONOTONIC</c>) nanoseconds to get Unix nanoseconds; null measures it now.
    /// </param>
    public SpanFactory(string hostName, long? monotonicToUnixNs = null)
    {
        _hostName = hostName;
        _monotonicToUnixNs = monotonicToUnixNs ?? MeasureMonotonicOffset();
    }

    /// <summary>The offset from monotonic to Unix time in nanoseconds.</summary>
    public long MonotonicToUnixNs => _monotonicToUnixNs;

    /// <summary>Kernel monotonic now, in nanoseconds (the clock of <c>bpf_ktime_get_ns</c>).</summary>
    public static ulong MonotonicNowNs() =>
        (ulong)(Stopwatch.GetTimestamp() * (1_000_000_000.0 / Stopwatch.Frequency));

    private static long MeasureMonotonicOffset()
    {
        // On Linux Stopwatch reads CLOCK_MONOTONIC, the clock bpf_ktime_get_ns uses.
        var unixNs = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
        return unixNs - (long)MonotonicNowNs();
    }

    /// <summary>The span name: method plus route when there is one.</summary>
    public static string SpanName(string method, string route) => route.Length > 0 ? $"{method} {route}" : method;

    /// <summary>Builds the span of one request.</summary>
    /// <param name="e">The request.</param>
    /// <param name="method">Its method.</param>
    /// <param name="path">Its path without the query.</param>
    /// <param name="route">The route from the routes stage ("" when unset).</param>
    /// <param name="useTraceParent">Whether an incoming <c>traceparent</c> is honoured (<c>track_request_headers</c>).</param>
    public OtlpSpan CreateSpan(in HttpRequestEvent e, string method, string path, string route, bool useTraceParent)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(route);
        var server = e.Direction == RequestDirection.Server;
        Span<byte> traceId = stackalloc byte[16];
        Span<byte> parentId = stackalloc byte[8];
        var hasParent = false;
        if (e.HasTraceParent)
        {
            ((ReadOnlySpan<byte>)e.TraceId).CopyTo(traceId);
            ((ReadOnlySpan<byte>)e.ParentSpanId).CopyTo(parentId);
            hasParent = traceId.ContainsAnyExcept((byte)0) && parentId.ContainsAnyExcept((byte)0);
        }

        if (!hasParent && useTraceParent)
        {
            hasParent = HttpRequestParser.TryFindTraceParent(e.RequestBytes, traceId, parentId, out _);
        }

        if (!hasParent)
        {
            RandomNumberGenerator.Fill(traceId);
        }

        Span<byte> spanId = stackalloc byte[8];
        do
        {
            RandomNumberGenerator.Fill(spanId);
        }
        while (!spanId.ContainsAnyExcept((byte)0));

        var span = new OtlpSpan
        {
            TraceId = ByteString.CopyFrom(traceId),
            SpanId = ByteString.CopyFrom(spanId),
            ParentSpanId = hasParent ? ByteString.CopyFrom(parentId) : ByteString.Empty,
            Name = SpanName(method, route),
            Kind = server ? OtlpSpan.Types.SpanKind.Server : OtlpSpan.Types.SpanKind.Client,
            StartTimeUnixNano = (ulong)((long)e.StartNs + _monotonicToUnixNs),
            EndTimeUnixNano = (ulong)((long)Math.Max(e.EndNs, e.StartNs) + _monotonicToUnixNs),
        };
        if (e.HasTraceParent || hasParent)
        {
            span.Flags = e.TraceFlags;
        }

        var hostAddress = e.GetHostAddress().ToString();
        var peerAddress = e.GetPeerAddress().ToString();
        var attrs = span.Attributes;
        attrs.Add(Attr("http.request.method", method));
        attrs.Add(Attr("http.response.status_code", e.Status));
        attrs.Add(Attr("url.scheme", "http"));
        if (server)
        {
            attrs.Add(Attr("url.path", path));
            if (route.Length > 0)
            {
                attrs.Add(Attr("http.route", route));
            }

            attrs.Add(Attr("client.address", peerAddress));
            attrs.Add(Attr("server.address", hostAddress));
            attrs.Add(Attr("server.port", e.HostPort));
        }
        else
        {
            var authority = FormatAuthority(peerAddress, e.PeerPort);
            attrs.Add(Attr("url.full", $"http://{authority}{path}"));
            attrs.Add(Attr("url.path", path));
            attrs.Add(Attr("server.address", peerAddress));
            attrs.Add(Attr("server.port", e.PeerPort));
        }

        attrs.Add(Attr("http.request.body.size", e.RequestBodySize));
        attrs.Add(Attr("http.response.body.size", e.ResponseBodySize));

        var error = e.Status == 0 || (server ? e.Status >= 500 : e.Status >= 400);
        span.Status = new Status { Code = error ? Status.Types.StatusCode.Error : Status.Types.StatusCode.Unset };
        return span;
    }

    private static string FormatAuthority(string address, ushort port) =>
        address.Contains(':', StringComparison.Ordinal) ? $"[{address}]:{port}" : $"{address}:{port}";

    /// <summary>The resource of a service.</summary>
    public Resource CreateResource(DiscoveredService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var resource = new Resource();
        var a = resource.Attributes;
        a.Add(Attr("service.name", service.ServiceName));
        if (service.ServiceNamespace.Length > 0)
        {
            a.Add(Attr("service.namespace", service.ServiceNamespace));
        }

        a.Add(Attr("service.instance.id", service.InstanceId));
        a.Add(Attr("telemetry.sdk.language", service.SdkLanguage));
        a.Add(Attr("telemetry.sdk.name", TelemetrySdkName));
        a.Add(Attr("telemetry.sdk.version", TelemetrySdkVersion));
        a.Add(Attr("host.name", _hostName));
        a.Add(Attr("os.type", "linux"));
        a.Add(Attr("process.pid", service.Pid));
        foreach (var (key, value) in service.ResourceAttributes)
        {
            a.Add(Attr(key, value));
        }

        return resource;
    }

    /// <summary>Builds an export request with one <c>ResourceSpans</c> per service.</summary>
    public ExportTraceServiceRequest CreateRequest(IEnumerable<(DiscoveredService Service, OtlpSpan Span)> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        var request = new ExportTraceServiceRequest();
        var byService = new Dictionary<DiscoveredService, ScopeSpans>(ReferenceEqualityComparer.Instance);
        foreach (var (service, span) in spans)
        {
            if (!byService.TryGetValue(service, out var scope))
            {
                scope = new ScopeSpans { Scope = new InstrumentationScope { Name = ScopeName, Version = TelemetrySdkVersion } };
                var rs = new ResourceSpans { Resource = CreateResource(service) };
                rs.ScopeSpans.Add(scope);
                request.ResourceSpans.Add(rs);
                byService[service] = scope;
            }

            scope.Spans.Add(span);
        }

        return request;
    }

    private static KeyValue Attr(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    private static KeyValue Attr(string key, long value) => new() { Key = key, Value = new AnyValue { IntValue = value } };

    /// <summary>Hex form of a trace or span id (for logs and tests).</summary>
    public static string Hex(ByteString id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var sb = new StringBuilder(id.Length * 2);
        foreach (var b in id.Span)
        {
            sb.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }
}
