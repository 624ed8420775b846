using Prometheus;
using River.Components.Beyla.Discovery;
using River.Components.Beyla.Metrics;

namespace River.Components.Beyla.SpanMetrics;

/// <summary>
/// The <c>application_span</c> feature: Beyla's legacy span metrics, computed from the same spans the traces
/// carry — <c>traces_spanmetrics_latency</c> (histogram in seconds, no unit suffix, Beyla's duration buckets),
/// <c>traces_spanmetrics_calls_total</c>, <c>traces_spanmetrics_size_total</c> (request body bytes) and
/// <c>traces_target_info</c> (1 per instrumented service instance).
/// </summary>
public sealed class SpanMetricsRecorder : IRequestObserver
{
    /// <summary>Labels of the span metrics.</summary>
    public static readonly string[] LabelNames =
        ["service_name", "service_namespace", "span_name", "span_kind", "status_code", "source", "instance", "job", "telemetry_sdk_language"];

    private readonly Histogram _latency;
    private readonly Counter _calls;
    private readonly Counter _size;
    private readonly Gauge _targetInfo;
    private readonly string _hostName;

    /// <summary>Registers the metrics in <paramref name="registry"/>.</summary>
    public SpanMetricsRecorder(CollectorRegistry registry, string hostName)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _hostName = hostName ?? "";
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _latency = factory.CreateHistogram("traces_spanmetrics_latency", "Span duration in seconds",
            new HistogramConfiguration { LabelNames = LabelNames, Buckets = BeylaMetrics.DurationBuckets });
        _calls = factory.CreateCounter("traces_spanmetrics_calls_total", "Spans", LabelNames);
        _size = factory.CreateCounter("traces_spanmetrics_size_total", "Request body bytes of the spans", LabelNames);
        _targetInfo = factory.CreateGauge("traces_target_info", "Instrumented service instances",
            ["service_name", "service_namespace", "instance", "job", "host_name", "telemetry_sdk_language", "telemetry_sdk_name", "source", "os_type"]);
    }

    /// <summary>OTel status of an HTTP span: server spans fail on 5xx, client spans on 4xx and 5xx.</summary>
    public static string StatusCode(bool server, int status) =>
        status == 0 || status >= 500 || (!server && status >= 400) ? "STATUS_CODE_ERROR" : "STATUS_CODE_UNSET";

    /// <summary>Follows discovery for <c>traces_target_info</c>.</summary>
    public void OnDiscoveryChanged(DiscoveryChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        foreach (var s in change.Removed)
            _targetInfo.RemoveLabelled(TargetLabels(s));
        foreach (var s in change.Added)
            _targetInfo.WithLabels(TargetLabels(s)).Set(1);
    }

    /// <inheritdoc/>
    public void Observe(DiscoveredService service, in HttpRequestEvent request, string method, string route)
    {
        ArgumentNullException.ThrowIfNull(service);
        var server = request.Direction == RequestDirection.Server;
        string[] labels =
        [
            service.ServiceName, service.ServiceNamespace, SpanFactory.SpanName(method, route),
            server ? "SPAN_KIND_SERVER" : "SPAN_KIND_CLIENT", StatusCode(server, request.Status), SpanFactory.TelemetrySdkName,
            service.InstanceId, service.Job, service.SdkLanguage,
        ];
        _latency.WithLabels(labels).Observe(request.DurationSeconds);
        _calls.WithLabels(labels).Inc();
        _size.WithLabels(labels).Inc(Math.Max(0, request.RequestBodySize));
    }

    private string[] TargetLabels(DiscoveredService s) =>
        [s.ServiceName, s.ServiceNamespace, s.InstanceId, s.Job, _hostName, s.SdkLanguage, SpanFactory.TelemetrySdkName, SpanFactory.TelemetrySdkName, "linux"];
}
