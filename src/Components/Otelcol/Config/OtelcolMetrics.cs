using Prometheus;

namespace River.Components.Otelcol.Config;

/// <summary>
/// The Collector's internal metrics that River's otelcol components keep, labelled with <c>component_id</c>. Created on
/// the runtime's registry when it provides one, otherwise on a private registry (tests read it).
/// </summary>
public sealed class OtelcolMetrics
{
    private static readonly string[] Labels = ["component_id"];

    private OtelcolMetrics(CollectorRegistry registry, string componentId, bool labelled)
    {
        Registry = registry;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);

        // The runtime's registry already carries component_id as a static label; repeating it as a label name makes
        // prometheus-net refuse the metric, so only a private registry gets the label here.
        string[] labels = labelled ? Labels : [];
        ICounter C(string name, string help) => labelled ? factory.CreateCounter(name, help, labels).WithLabels(componentId) : factory.CreateCounter(name, help, labels);
        IGauge G(string name, string help) => labelled ? factory.CreateGauge(name, help, labels).WithLabels(componentId) : factory.CreateGauge(name, help, labels);

        ExporterSentSpans = C("otelcol_exporter_sent_spans_total", "Number of spans successfully sent to destination.");
        ExporterSendFailedSpans = C("otelcol_exporter_send_failed_spans_total", "Number of spans in failed attempts to send to destination.");
        ExporterEnqueueFailedSpans = C("otelcol_exporter_enqueue_failed_spans_total", "Number of spans failed to be added to the sending queue.");
        ExporterRejectedSpans = C("otelcol_exporter_rejected_spans_total", "Number of spans the destination rejected in partial-success responses.");
        ExporterRetries = C("otelcol_exporter_retries_total", "Number of export attempts that failed with a retryable error and were retried.");
        ExporterQueueSize = G("otelcol_exporter_queue_size", "Current number of batches in the sending queue.");
        ExporterQueueCapacity = G("otelcol_exporter_queue_capacity", "Fixed capacity of the sending queue, in batches.");
        ReceiverAcceptedSpans = C("otelcol_receiver_accepted_spans_total", "Number of spans successfully pushed into the pipeline.");
        ReceiverRefusedSpans = C("otelcol_receiver_refused_spans_total", "Number of spans that could not be pushed into the pipeline.");
        BatchSizeTriggerSends = C("otelcol_processor_batch_batch_size_trigger_send_total", "Number of times the batch was sent due to a size trigger.");
        BatchTimeoutTriggerSends = C("otelcol_processor_batch_timeout_trigger_send_total", "Number of times the batch was sent due to a timeout trigger.");
        var sendSize = factory.CreateHistogram(
            "otelcol_processor_batch_batch_send_size",
            "Number of units in the batch.",
            new HistogramConfiguration
            {
                LabelNames = labels,
                Buckets = [10, 25, 50, 75, 100, 250, 500, 750, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 20000, 30000, 50000, 100000],
            });
        BatchSendSize = labelled ? sendSize.WithLabels(componentId) : sendSize;
    }

    /// <summary>The registry the metrics live in.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>otelcol_exporter_sent_spans_total</summary>
    public ICounter ExporterSentSpans { get; }

    /// <summary>otelcol_exporter_send_failed_spans_total</summary>
    public ICounter ExporterSendFailedSpans { get; }

    /// <summary>otelcol_exporter_enqueue_failed_spans_total</summary>
    public ICounter ExporterEnqueueFailedSpans { get; }

    /// <summary>otelcol_exporter_rejected_spans_total (partial success)</summary>
    public ICounter ExporterRejectedSpans { get; }

    /// <summary>otelcol_exporter_retries_total</summary>
    public ICounter ExporterRetries { get; }

    /// <summary>otelcol_exporter_queue_size</summary>
    public IGauge ExporterQueueSize { get; }

    /// <summary>otelcol_exporter_queue_capacity</summary>
    public IGauge ExporterQueueCapacity { get; }

    /// <summary>otelcol_receiver_accepted_spans_total</summary>
    public ICounter ReceiverAcceptedSpans { get; }

    /// <summary>otelcol_receiver_refused_spans_total</summary>
    public ICounter ReceiverRefusedSpans { get; }

    /// <summary>otelcol_processor_batch_batch_size_trigger_send_total</summary>
    public ICounter BatchSizeTriggerSends { get; }

    /// <summary>otelcol_processor_batch_timeout_trigger_send_total</summary>
    public ICounter BatchTimeoutTriggerSends { get; }

    /// <summary>otelcol_processor_batch_batch_send_size</summary>
    public IHistogram BatchSendSize { get; }

    /// <summary>
    /// Creates the metrics of component <paramref name="componentId"/> on the runtime's <paramref name="registry"/>
    /// (whose static <c>component_id</c> label names the component) or, when null, on a private registry with an
    /// explicit <c>component_id</c> label.
    /// </summary>
    public static OtelcolMetrics Create(CollectorRegistry? registry, string componentId) =>
        registry is null ? new(Prometheus.Metrics.NewCustomRegistry(), componentId, labelled: true) : new(registry, componentId, labelled: false);
}
