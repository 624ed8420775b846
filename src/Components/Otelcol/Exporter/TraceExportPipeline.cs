using Microsoft.Extensions.Logging;
using River.Components.Otelcol.Config;
using River.Components.Telemetry.Otlp.Collector.Trace;
using River.Components.Telemetry.Traces;

namespace River.Components.Otelcol.Exporter;

/// <summary>
/// What the OTLP exporters share (the Collector's exporterhelper): the sending queue with its consumers and the retry
/// loop with exponential backoff around one <see cref="ITraceSender"/>. Retryable failures are retried until
/// <c>max_elapsed_time</c>; permanent failures and partial successes are never retried, only logged and counted.
/// </summary>
internal sealed class TraceExportPipeline : ITracesConsumer, IDisposable
{
    private readonly ILogger _logger;
    private readonly ExporterMetrics _metrics;
    private readonly IRequestQueue? _queue;
    private readonly QueueArguments _queueArguments;
    private readonly Random _random = new();
    private volatile ITraceSender _sender;
    private volatile RetryArguments _retry;
    private TimeSpan _timeout;

    /// <summary>Creates the pipeline; a persistent queue lives in <paramref name="queueDirectory"/> when storage is set.</summary>
    public TraceExportPipeline(
        ITraceSender sender,
        QueueArguments queue,
        RetryArguments retry,
        TimeSpan timeout,
        string queueDirectory,
        ExporterMetrics metrics,
        ILogger logger)
    {
        _sender = sender;
        _queueArguments = queue;
        _retry = retry;
        _timeout = timeout;
        _metrics = metrics;
        _logger = logger;
        if (queue.Enabled)
        {
            _queue = queue.Storage is null
                ? new MemoryRequestQueue(queue.QueueSize)
                : new PersistentRequestQueue(queueDirectory, queue.QueueSize, logger, queue.Storage.Fsync);
            _metrics.ExporterQueueCapacity.Set(queue.QueueSize);
            _metrics.ExporterQueueSize.Set(_queue.Count);
        }
    }

    /// <summary>The queue settings the pipeline was built with (a change of them needs a new pipeline).</summary>
    public QueueArguments QueueArguments => _queueArguments;

    /// <summary>Batches queued or in flight.</summary>
    public int QueueCount => _queue?.Count ?? 0;

    /// <summary>Swaps the transport and the retry/timeout settings; calls in flight finish on the old transport.</summary>
    public void Reconfigure(ITraceSender sender, RetryArguments retry, TimeSpan timeout)
    {
        var old = _sender;
        _sender = sender;
        _retry = retry;
        _timeout = timeout;
        if (!ReferenceEquals(old, sender))
        {
            // Give calls in flight a moment before the old connection goes away; a cut call is retried anyway.
            _ = Task.Delay(TimeSpan.FromSeconds(10)).ContinueWith(_ => old.Dispose(), TaskScheduler.Default);
        }
    }

    /// <inheritdoc />
    public async ValueTask ConsumeTracesAsync(ExportTraceServiceRequest traces, CancellationToken cancellationToken)
    {
        var spans = traces.SpanCount();
        if (spans == 0)
        {
            return;
        }

        if (_queue is null)
        {
            // No queue: the caller waits for the whole send, retries included.
            await SendWithRetryAsync(traces, spans, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (_queueArguments.Blocks)
        {
            await _queue.EnqueueAsync(traces, cancellationToken).ConfigureAwait(false);
        }
        else if (!_queue.TryEnqueue(traces))
        {
            _metrics.ExporterEnqueueFailedSpans.Inc(spans);
            _logger.LogError("sending queue is full (queue_size = {QueueSize}); dropping {Spans} spans", _queueArguments.QueueSize, spans);
            throw new TracesRejectedException("sending queue is full", spans);
        }

        _metrics.ExporterQueueSize.Set(_queue.Count);
    }

    /// <summary>Runs the queue consumers until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (_queue is null)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
            return;
        }

        var consumers = new Task[_queueArguments.NumConsumers];
        for (var i = 0; i < consumers.Length; i++)
        {
            consumers[i] = Task.Run(() => ConsumeQueueAsync(cancellationToken), CancellationToken.None);
        }

        await Task.WhenAll(consumers).ConfigureAwait(false);
        if (_queue is MemoryRequestQueue && _queue.Count > 0)
        {
            // Shutdown: one last attempt for what is still in memory, without retry waits (a disk queue keeps its data).
            while (_queue.TryDequeue() is { } item)
            {
                var result = await AttemptAsync(item.Request, CancellationToken.None).ConfigureAwait(false);
                Account(result, item.Request.SpanCount());
                _queue.Complete(item);
            }
        }

        _metrics.ExporterQueueSize.Set(_queue.Count);
    }

    private async Task ConsumeQueueAsync(CancellationToken cancellationToken)
    {
        var queue = _queue!;
        try
        {
            while (await queue.WaitAsync(cancellationToken).ConfigureAwait(false))
            {
                if (queue.TryDequeue() is not { } item)
                {
                    continue;
                }

                var finished = false;
                try
                {
                    await SendWithRetryAsync(item.Request, item.Request.SpanCount(), cancellationToken).ConfigureAwait(false);
                    finished = true;
                }
                finally
                {
                    // Cancelled mid-retry: the item goes back (in memory, for the shutdown drain; on disk it stays anyway).
                    if (finished)
                    {
                        queue.Complete(item);
                    }
                    else
                    {
                        queue.Requeue(item);
                    }

                    _metrics.ExporterQueueSize.Set(queue.Count);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task SendWithRetryAsync(ExportTraceServiceRequest request, int spans, CancellationToken cancellationToken)
    {
        var started = Environment.TickCount64;
        for (var attempt = 0; ; attempt++)
        {
            // An attempt in flight is never cut by shutdown (it has its own timeout): cutting it after the server
            // stored the data would make the shutdown drain send it twice. Only the waits between attempts are cut.
            var result = await AttemptAsync(request, CancellationToken.None).ConfigureAwait(false);
            var retry = _retry;
            if (result.Outcome != SendOutcome.Retryable || !retry.Enabled)
            {
                Account(result, spans);
                return;
            }

            // The server's throttle delay (RetryInfo, Retry-After) replaces the backoff for this wait.
            var delay = result.RetryAfter ?? retry.Delay(attempt, _random);
            var elapsed = TimeSpan.FromMilliseconds(Environment.TickCount64 - started);
            if (retry.MaxElapsedTime > TimeSpan.Zero && elapsed + delay > retry.MaxElapsedTime)
            {
                _logger.LogError("giving up on {Spans} spans after {Elapsed}: {Message}", spans, elapsed, result.Message);
                Account(result, spans);
                return;
            }

            _metrics.ExporterRetries.Inc();
            _logger.LogWarning("export of {Spans} spans failed, retrying in {Delay}: {Message}", spans, delay, result.Message);
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<SendResult> AttemptAsync(ExportTraceServiceRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await _sender.SendAsync(request, _timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            // Transport failures the sender did not classify (connection refused, TLS handshake) may pass later.
            return new SendResult(SendOutcome.Retryable, ex.Message);
        }
    }

    private void Account(SendResult result, int spans)
    {
        switch (result.Outcome)
        {
            case SendOutcome.Success:
                var rejected = Math.Min(result.RejectedSpans, spans);
                _metrics.ExporterSentSpans.Inc(spans - rejected);
                if (rejected > 0 || !string.IsNullOrEmpty(result.Message))
                {
                    _metrics.ExporterRejectedSpans.Inc(rejected);
                    _logger.LogWarning("partial success: the destination rejected {Rejected} of {Spans} spans: {Message}", rejected, spans, result.Message);
                }

                break;
            default:
                _metrics.ExporterSendFailedSpans.Inc(spans);
                _logger.LogError("dropping {Spans} spans: {Outcome} error: {Message}", spans, result.Outcome == SendOutcome.Permanent ? "permanent" : "retryable", result.Message);
                break;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _queue?.Dispose();
        _sender.Dispose();
    }
}
