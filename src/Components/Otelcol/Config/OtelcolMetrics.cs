using Prometheus;

namespace River.Components.Otelcol.Config;

/// <summary>
/// Creates an otelcol component's internal metrics on the runtime's per-component registry (whose static
/// <c>component_id</c> label names the component) or, when there is none, on a private registry with an explicit
/// <c>component_id</c> label (tests read it). Each component kind creates only its own families, named as the
/// Collector names them, so a component's <c>/metrics</c> lists nothing that cannot move.
/// </summary>
internal sealed class OtelcolMetricFactory
{
    private readonly MetricFactory _factory;
    private readonly string _componentId;
    private readonly string[] _labels;

    private OtelcolMetricFactory(CollectorRegistry registry, string componentId, bool labelled)
    {
        Registry = registry;
        _factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _componentId = componentId;

        // The runtime's registry already carries component_id as a static label; repeating it as a label name makes
        // prometheus-net refuse the metric, so only a private registry gets the label here.
        _labels = labelled ? ["component_id"] : [];
    }

    /// <summary>The registry the metrics live in.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>A factory on <paramref name="registry"/>, or on a new private registry when it is null.</summary>
    public static OtelcolMetricFactory For(CollectorRegistry? registry, string componentId) =>
        registry is null ? new(Prometheus.Metrics.NewCustomRegistry(), componentId, labelled: true) : new(registry, componentId, labelled: false);

    /// <summary>A counter of this component.</summary>
    public ICounter Counter(string name, string help)
    {
        var counter = _factory.CreateCounter(name, help, _labels);
        return _labels.Length > 0 ? counter.WithLabels(_componentId) : counter;
    }

    /// <summary>A gauge of this component.</summary>
    public IGauge Gauge(string name, string help)
    {
        var gauge = _factory.CreateGauge(name, help, _labels);
        return _labels.Length > 0 ? gauge.WithLabels(_componentId) : gauge;
    }

    /// <summary>A histogram of this component.</summary>
    public IHistogram Histogram(string name, string help, double[] buckets)
    {
        var histogram = _factory.CreateHistogram(name, help, new HistogramConfiguration { LabelNames = _labels, Buckets = buckets });
        return _labels.Length > 0 ? histogram.WithLabels(_componentId) : histogram;
    }
}

/// <summary>The metrics of <c>otelcol.exporter.otlp</c> and <c>otelcol.exporter.otlphttp</c> (the Collector's exporterhelper names).</summary>
public sealed class ExporterMetrics
{
    private ExporterMetrics(OtelcolMetricFactory f)
    {
        Registry = f.Registry;
        ExporterSentSpans = f.Counter("otelcol_exporter_sent_spans_total", "Number of spans successfully sent to destination.");
        ExporterSendFailedSpans = f.Counter("otelcol_exporter_send_failed_spans_total", "Number of spans in failed attempts to send to destination.");
        ExporterEnqueueFailedSpans = f.Counter("otelcol_exporter_enqueue_failed_spans_total", "Number of spans failed to be added to the sending queue.");
        ExporterQueueSize = f.Gauge("otelcol_exporter_queue_size", "Current size of the retry queue (in batches).");
        ExporterQueueCapacity = f.Gauge("otelcol_exporter_queue_capacity", "Fixed capacity of the retry queue (in batches).");

        // Not in the Collector: what its logs say about partial successes and retries, made countable.
        ExporterRejectedSpans = f.Counter("otelcol_exporter_rejected_spans_total", "Number of spans the destination rejected in partial-success responses.");
        ExporterRetries = f.Counter("otelcol_exporter_retries_total", "Number of export attempts that failed with a retryable error and were retried.");
    }

    /// <summary>The registry the metrics live in.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>otelcol_exporter_sent_spans_total</summary>
    public ICounter ExporterSentSpans { get; }

    /// <summary>otelcol_exporter_send_failed_spans_total</summary>
    public ICounter ExporterSendFailedSpans { get; }

    /// <summary>otelcol_exporter_enqueue_failed_spans_total</summary>
    public ICounter ExporterEnqueueFailedSpans { get; }

    /// <summary>otelcol_exporter_rejected_spans_total (partial success; River's addition)</summary>
    public ICounter ExporterRejectedSpans { get; }

    /// <summary>otelcol_exporter_retries_total (River's addition)</summary>
    public ICounter ExporterRetries { get; }

    /// <summary>otelcol_exporter_queue_size</summary>
    public IGauge ExporterQueueSize { get; }

    /// <summary>otelcol_exporter_queue_capacity</summary>
    public IGauge ExporterQueueCapacity { get; }

    /// <summary>Creates the metrics of exporter <paramref name="componentId"/> (see <see cref="OtelcolMetricFactory"/>).</summary>
    public static ExporterMetrics Create(CollectorRegistry? registry, string componentId) => new(OtelcolMetricFactory.For(registry, componentId));
}

/// <summary>The metrics of <c>otelcol.receiver.otlp</c> (the Collector's receiverhelper names).</summary>
public sealed class ReceiverMetrics
{
    private ReceiverMetrics(OtelcolMetricFactory f)
    {
        Registry = f.Registry;
        ReceiverAcceptedSpans = f.Counter("otelcol_receiver_accepted_spans_total", "Number of spans successfully pushed into the pipeline.");
        ReceiverRefusedSpans = f.Counter("otelcol_receiver_refused_spans_total", "Number of spans that could not be pushed into the pipeline.");
    }

    /// <summary>The registry the metrics live in.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>otelcol_receiver_accepted_spans_total</summary>
    public ICounter ReceiverAcceptedSpans { get; }

    /// <summary>otelcol_receiver_refused_spans_total</summary>
    public ICounter ReceiverRefusedSpans { get; }

    /// <summary>Creates the metrics of receiver <paramref name="componentId"/> (see <see cref="OtelcolMetricFactory"/>).</summary>
    public static ReceiverMetrics Create(CollectorRegistry? registry, string componentId) => new(OtelcolMetricFactory.For(registry, componentId));
}

/// <summary>The metrics of <c>otelcol.processor.batch</c> (the Collector's batchprocessor names).</summary>
public sealed class BatchProcessorMetrics
{
    private static readonly double[] SizeBuckets = [10, 25, 50, 75, 100, 250, 500, 750, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 20000, 30000, 50000, 100000];

    private static readonly double[] ByteBuckets =
        [10, 25, 50, 75, 100, 250, 500, 750, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 20000, 30000, 50000,
         100_000, 200_000, 300_000, 400_000, 500_000, 600_000, 700_000, 800_000, 900_000, 1_000_000, 2_000_000, 3_000_000, 4_000_000, 5_000_000,
         6_000_000, 7_000_000, 8_000_000, 9_000_000];

    private BatchProcessorMetrics(OtelcolMetricFactory f)
    {
        Registry = f.Registry;
        BatchSizeTriggerSends = f.Counter("otelcol_processor_batch_batch_size_trigger_send_total", "Number of times the batch was sent due to a size trigger.");
        BatchTimeoutTriggerSends = f.Counter("otelcol_processor_batch_timeout_trigger_send_total", "Number of times the batch was sent due to a timeout trigger.");
        BatchSendSize = f.Histogram("otelcol_processor_batch_batch_send_size", "Number of units in the batch.", SizeBuckets);
        BatchSendSizeBytes = f.Histogram("otelcol_processor_batch_batch_send_size_bytes", "Number of bytes in batch that was sent.", ByteBuckets);
        MetadataCardinality = f.Gauge("otelcol_processor_batch_metadata_cardinality", "Number of distinct metadata value combinations being processed.");
    }

    /// <summary>The registry the metrics live in.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>otelcol_processor_batch_batch_size_trigger_send_total</summary>
    public ICounter BatchSizeTriggerSends { get; }

    /// <summary>otelcol_processor_batch_timeout_trigger_send_total</summary>
    public ICounter BatchTimeoutTriggerSends { get; }

    /// <summary>otelcol_processor_batch_batch_send_size</summary>
    public IHistogram BatchSendSize { get; }

    /// <summary>otelcol_processor_batch_batch_send_size_bytes (protobuf size of the batch)</summary>
    public IHistogram BatchSendSizeBytes { get; }

    /// <summary>otelcol_processor_batch_metadata_cardinality</summary>
    public IGauge MetadataCardinality { get; }

    /// <summary>Creates the metrics of batch processor <paramref name="componentId"/> (see <see cref="OtelcolMetricFactory"/>).</summary>
    public static BatchProcessorMetrics Create(CollectorRegistry? registry, string componentId) => new(OtelcolMetricFactory.For(registry, componentId));
}
