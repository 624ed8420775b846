using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using River.Components.Otelcol.Config;
using River.Components.Telemetry.Otlp.Collector.Trace;
using River.Components.Telemetry.Traces;
using River.Runtime;

namespace River.Components.Otelcol.Processor.Batch;

/// <summary>
/// <c>otelcol.processor.batch</c>: collects spans and sends them on in batches, when <c>send_batch_size</c> spans
/// are pending or <c>timeout</c> has passed since the previous send, never more than <c>send_batch_max_size</c> at once.
/// One batcher per distinct combination of <c>metadata_keys</c> values.
/// </summary>
public sealed class BatchProcessorComponent : IComponent, ITracesConsumer
{
    private readonly ComponentOptions _options;
    private readonly ILogger _logger;
    private readonly BatchProcessorMetrics _metrics;

    // Bounded so that a stalled output pushes back on producers instead of growing without limit.
    private readonly Channel<(string Key, ExportTraceServiceRequest Traces)> _incoming =
        Channel.CreateBounded<(string, ExportTraceServiceRequest)>(new BoundedChannelOptions(1024) { SingleReader = true });

    private readonly Dictionary<string, KeyedBatcher> _batchers = new(StringComparer.Ordinal);
    private volatile BatchProcessorArguments _arguments;
    private volatile TracesFanout _output;
    private int _cardinality;

    /// <summary>Creates the component and publishes its <c>input</c>.</summary>
    public BatchProcessorComponent(ComponentOptions options, BatchProcessorArguments arguments)
    {
        _options = options;
        _logger = options.Logger;
        _arguments = arguments;
        _output = new TracesFanout(arguments.Output.Traces);
        _metrics = BatchProcessorMetrics.Create(options.Registry, options.Id);
        options.OnStateChange(new ConsumerExports { Input = this });
    }

    /// <summary>The catalog entry.</summary>
    public static ComponentRegistration Registration { get; } = new(
        "otelcol.processor.batch",
        typeof(BatchProcessorArguments),
        typeof(ConsumerExports),
        StabilityLevel.GenerallyAvailable,
        static (options, arguments) => new BatchProcessorComponent(options, (BatchProcessorArguments)arguments));

    /// <summary>The component's metrics (tests and benchmarks read them).</summary>
    internal BatchProcessorMetrics Metrics => _metrics;

    /// <inheritdoc />
    public void Update(object arguments)
    {
        var args = (BatchProcessorArguments)arguments;
        _output = new TracesFanout(args.Output.Traces);

        // Sizes take effect for batchers created from now on; existing ones are recreated by the run loop.
        _arguments = args;
    }

    /// <inheritdoc />
    public async ValueTask ConsumeTracesAsync(ExportTraceServiceRequest traces, CancellationToken cancellationToken)
    {
        var key = MetadataKey(_arguments.MetadataKeys);
        await _incoming.Writer.WriteAsync((key, traces), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var reader = _incoming.Reader;
        var appliedArguments = _arguments;
        try
        {
            while (true)
            {
                var now = Environment.TickCount64;
                var wait = NextDeadline() is { } deadline ? Math.Max(0, deadline - now) : Timeout.Infinite;
                using var timer = new CancellationTokenSource();
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
                if (wait != Timeout.Infinite)
                {
                    timer.CancelAfter(TimeSpan.FromMilliseconds(wait));
                }

                bool gotData;
                try
                {
                    gotData = wait != 0 && await reader.WaitToReadAsync(linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    gotData = false;
                }

                cancellationToken.ThrowIfCancellationRequested();
                if (!ReferenceEquals(appliedArguments, _arguments))
                {
                    // New sizes: flush what the old batchers hold, then start over with the new settings.
                    await FlushAllAsync().ConfigureAwait(false);
                    _batchers.Clear();
                    _cardinality = 0;
                    appliedArguments = _arguments;
                }

                if (gotData)
                {
                    while (reader.TryRead(out var item))
                    {
                        await AddAsync(item.Key, item.Traces, appliedArguments).ConfigureAwait(false);
                    }

                    if (appliedArguments.Timeout == TimeSpan.Zero)
                    {
                        // timeout = 0: no waiting, send as soon as the input is drained.
                        await FlushAllAsync().ConfigureAwait(false);
                    }
                }

                await FlushExpiredAsync(Environment.TickCount64).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown: drain what producers already handed over, then flush everything.
            while (reader.TryRead(out var item))
            {
                await AddAsync(item.Key, item.Traces, appliedArguments).ConfigureAwait(false);
            }

            await FlushAllAsync().ConfigureAwait(false);
        }
    }

    private async Task AddAsync(string key, ExportTraceServiceRequest traces, BatchProcessorArguments arguments)
    {
        if (!_batchers.TryGetValue(key, out var batcher))
        {
            if (arguments.MetadataKeys.Count > 0 && _cardinality >= arguments.MetadataCardinalityLimit)
            {
                _logger.LogError("dropping {Spans} spans: too many distinct metadata combinations (metadata_cardinality_limit = {Limit})", traces.SpanCount(), arguments.MetadataCardinalityLimit);
                return;
            }

            batcher = new KeyedBatcher(new TraceBatcher(arguments.SendBatchSize, arguments.SendBatchMaxSize), arguments.Timeout);
            _batchers.Add(key, batcher);
            _cardinality++;
            _metrics.MetadataCardinality.Set(_batchers.Count);
        }

        if (batcher.Batcher.PendingSpans == 0 && batcher.Deadline < Environment.TickCount64)
        {
            // The first spans after an idle period wait a full timeout for company, as they would after a send.
            batcher.Deadline = Environment.TickCount64 + (long)batcher.Timeout.TotalMilliseconds;
        }

        batcher.Batcher.Add(traces);
        while (batcher.Batcher.HasFullBatch)
        {
            _metrics.BatchSizeTriggerSends.Inc();
            await SendAsync(batcher, batcher.Batcher.TakeBatch()!).ConfigureAwait(false);
        }
    }

    private long? NextDeadline()
    {
        long? earliest = null;
        foreach (var batcher in _batchers.Values)
        {
            if (batcher.Batcher.PendingSpans > 0 && (earliest is null || batcher.Deadline < earliest))
            {
                earliest = batcher.Deadline;
            }
        }

        return earliest;
    }

    private async Task FlushExpiredAsync(long now)
    {
        foreach (var batcher in _batchers.Values)
        {
            if (batcher.Batcher.PendingSpans > 0 && batcher.Deadline <= now)
            {
                await FlushAsync(batcher).ConfigureAwait(false);
            }
        }
    }

    private async Task FlushAllAsync()
    {
        foreach (var batcher in _batchers.Values)
        {
            await FlushAsync(batcher).ConfigureAwait(false);
        }
    }

    private async Task FlushAsync(KeyedBatcher batcher)
    {
        // A timeout sends everything, still cut at send_batch_max_size.
        while (batcher.Batcher.TakeBatch() is { } batch)
        {
            _metrics.BatchTimeoutTriggerSends.Inc();
            await SendAsync(batcher, batch).ConfigureAwait(false);
        }
    }

    private async Task SendAsync(KeyedBatcher batcher, ExportTraceServiceRequest batch)
    {
        batcher.Deadline = Environment.TickCount64 + (long)batcher.Timeout.TotalMilliseconds;
        var spans = batch.SpanCount();
        _metrics.BatchSendSize.Observe(spans);
        // River's encoder measures each message once; the generated CalculateSize would re-measure every level.
        _metrics.BatchSendSizeBytes.Observe(OtlpTraceEncoder.Rent().Measure(batch));
        try
        {
            await _output.ConsumeTracesAsync(batch, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TracesRejectedException ex)
        {
            // Refused downstream (a full sending queue): the exporter already counted and logged why; no stack trace.
            _logger.LogWarning("sending a batch of {Spans} spans failed: {Message}", spans, ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Like the Collector: the batch processor has no retry of its own; the exporter queue is the buffer.
            _logger.LogWarning(ex, "sending a batch of {Spans} spans failed", spans);
        }
    }

    private static string MetadataKey(IReadOnlyList<string> keys)
    {
        if (keys.Count == 0)
        {
            return "";
        }

        var metadata = ClientMetadata.Value;
        var parts = new string[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            var values = metadata is not null && metadata.TryGetValue(keys[i].ToLowerInvariant(), out var v) ? v : [];
            parts[i] = string.Join('\u001f', values);
        }

        return string.Join('\u001e', parts);
    }

    private sealed class KeyedBatcher(TraceBatcher batcher, TimeSpan timeout)
    {
        public TraceBatcher Batcher { get; } = batcher;

        public TimeSpan Timeout { get; } = timeout;

        public long Deadline { get; set; } = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
    }
}
