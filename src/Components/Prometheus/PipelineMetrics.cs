using Prometheus;

namespace River.Components.Prom;

/// <summary>
/// The internal metrics of the metrics pipeline, named as Alloy names them and labelled with <c>component_id</c>.
/// Registered in the runtime's registry when given, otherwise in a private one (tests, standalone use).
/// </summary>
internal sealed class PipelineMetrics
{
    private static readonly CollectorRegistry FallbackRegistry = global::Prometheus.Metrics.NewCustomRegistry();

    public PipelineMetrics(CollectorRegistry? registry, string componentId)
    {
        var f = global::Prometheus.Metrics.WithCustomRegistry(registry ?? FallbackRegistry);

        // The runtime's registry already carries component_id as a static label (prometheus-net refuses it twice), so
        // the label is only added here on the private fallback registry; Labels() builds the matching values.
        _ownLabel = registry is null;
        string[] id = _ownLabel ? ["component_id"] : [];
        string[] rw = [.. id, "remote_name", "url"];
        Factory = f;
        _idLabel = id;
        ComponentId = componentId;
        SamplesSent = f.CreateCounter("prometheus_remote_storage_samples_total", "Samples sent to remote storage.", rw);
        SamplesFailed = f.CreateCounter("prometheus_remote_storage_samples_failed_total", "Samples that failed on send and were not retried (4xx).", rw);
        SamplesRetried = f.CreateCounter("prometheus_remote_storage_samples_retried_total", "Samples re-sent after a recoverable error.", rw);
        SamplesDropped = f.CreateCounter("prometheus_remote_storage_samples_dropped_total", "Samples dropped before sending (relabelling, invalid labels, age limit, WAL expiry).", rw);
        SamplesPending = f.CreateGauge("prometheus_remote_storage_samples_pending", "Samples queued in shards waiting to be sent.", rw);
        BytesSent = f.CreateCounter("prometheus_remote_storage_bytes_total", "Compressed request bytes sent.", rw);
        Shards = f.CreateGauge("prometheus_remote_storage_shards", "Current shard count.", rw);
        ShardsDesired = f.CreateGauge("prometheus_remote_storage_shards_desired", "Shard count the queue computed as needed.", rw);
        SentBatchDuration = f.CreateHistogram("prometheus_remote_storage_sent_batch_duration_seconds", "Duration of send calls.", new HistogramConfiguration { LabelNames = rw, Buckets = Histogram.ExponentialBuckets(0.005, 2, 14) });
        HighestSent = f.CreateGauge("prometheus_remote_storage_queue_highest_sent_timestamp_seconds", "Newest sample timestamp successfully sent.", rw);
        ScrapeErrors = f.CreateCounter("prometheus_scrape_errors_total", "Failed scrapes by reason (http, parse, limit, timeout, forward).", [.. id, "reason"]);
    }

    private readonly bool _ownLabel;
    private readonly string[] _idLabel;

    // The unlabelled families are created on first use: prometheus-net exports an unlabelled series (value 0) as soon
    // as it is created, which would show scrape metrics on remote_write components and WAL metrics on scrapers. A race
    // on first use is harmless: the factory returns the one existing collector for a name already registered.
    private Counter? _walAppended;
    private Gauge? _walSize;
    private Counter? _walCorrupt;
    private Gauge? _scrapeTargets;
    private Counter? _forwardedSamples;
    private Histogram? _fanoutLatency;

    public MetricFactory Factory { get; }

    /// <summary>The label values of a series: the component id first when this instance adds that label itself.</summary>
    public string[] Labels(params string[] rest) => _ownLabel ? [ComponentId, .. rest] : rest;

    public string ComponentId { get; }

    public Counter SamplesSent { get; }

    public Counter SamplesFailed { get; }

    public Counter SamplesRetried { get; }

    public Counter SamplesDropped { get; }

    public Gauge SamplesPending { get; }

    public Counter BytesSent { get; }

    public Gauge Shards { get; }

    public Gauge ShardsDesired { get; }

    public Histogram SentBatchDuration { get; }

    public Gauge HighestSent { get; }

    public Counter WalAppended => _walAppended ??= Factory.CreateCounter("prometheus_remote_write_wal_samples_appended_total", "Samples appended to the WAL.", _idLabel);

    public Gauge WalSize => _walSize ??= Factory.CreateGauge("prometheus_remote_write_wal_size_bytes", "Bytes of WAL segments on disk.", _idLabel);

    public Counter WalCorrupt => _walCorrupt ??= Factory.CreateCounter("prometheus_remote_write_wal_corrupt_records_total", "WAL records skipped because their checksum failed.", _idLabel);

    public Gauge ScrapeTargets => _scrapeTargets ??= Factory.CreateGauge("prometheus_scrape_targets", "Number of scrape targets.", _idLabel);

    public Counter ForwardedSamples => _forwardedSamples ??= Factory.CreateCounter("prometheus_forwarded_samples_total", "Samples forwarded to receivers.", _idLabel);

    public Counter ScrapeErrors { get; }

    public Histogram FanoutLatency => _fanoutLatency ??= Factory.CreateHistogram("prometheus_fanout_latency", "Time to commit one scrape to the receivers.", new HistogramConfiguration { LabelNames = _idLabel, Buckets = Histogram.ExponentialBuckets(0.0005, 2, 14) });
}
