using Microsoft.Extensions.Logging;
using River.Components.Prom.RemoteWrite.Wal;
using River.Components.Telemetry.Metrics;
using River.Runtime;

namespace River.Components.Prom.RemoteWrite;

/// <summary>Exports of <c>prometheus.remote_write</c>.</summary>
public sealed class RemoteWriteExports
{
    /// <summary>Where <c>forward_to</c> lists send samples.</summary>
    [River.Values.River("receiver")]
    public required IMetricsReceiver Receiver { get; init; }
}

/// <summary>
/// <c>prometheus.remote_write</c>: every committed batch is appended to a write-ahead log under the component's
/// data path and fsync'd before the commit returns; one queue per endpoint tails the WAL from its persisted
/// checkpoint and delivers with remote-write 1.0. Neither a receiver outage nor a crash loses accepted samples
/// (delivery is at-least-once: a crash may resend up to the last quarter-second of confirmed batches).
/// </summary>
public sealed class RemoteWriteComponent : IComponent, IHealthReporter, IMetricsReceiver, IDisposable
{
    private readonly ComponentOptions _options;
    private readonly MetricsWal _wal;
    private readonly PipelineMetrics _metrics;
    private readonly Prometheus.Counter.Child _walAppended;
    private readonly Prometheus.Counter.Child _walDropped;
    private readonly Prometheus.Gauge.Child _walSize;
    private readonly Lock _lock = new();
    private RemoteWriteArguments _args;
    private TaskCompletionSource _updated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private List<EndpointQueue> _queues = [];
    private ComponentHealth _health = ComponentHealth.Healthy();

    /// <summary>The catalog entry.</summary>
    public static ComponentRegistration Registration { get; } = new(
        "prometheus.remote_write",
        typeof(RemoteWriteArguments),
        typeof(RemoteWriteExports),
        StabilityLevel.GenerallyAvailable,
        static (options, args) => new RemoteWriteComponent(options, (RemoteWriteArguments)args));

    /// <summary>Opens (and repairs) the WAL and publishes the receiver.</summary>
    public RemoteWriteComponent(ComponentOptions options, RemoteWriteArguments arguments)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _args = arguments ?? throw new ArgumentNullException(nameof(arguments));
        _metrics = new PipelineMetrics(options.Registry, options.Id);
        _walAppended = _metrics.WalAppended.WithLabels(_metrics.Labels());
        _walDropped = _metrics.SamplesDropped.WithLabels(_metrics.Labels("wal", ""));
        _walSize = _metrics.WalSize.WithLabels(_metrics.Labels());
        _wal = MetricsWal.Open(Path.Combine(options.DataPath, "wal"), options.Logger);
        EnsureCheckpoints(arguments);
        options.OnStateChange(new RemoteWriteExports { Receiver = this });
    }

    /// <summary>The WAL (tests and debugging).</summary>
    public MetricsWal Wal => _wal;

    /// <summary>Per-endpoint counters of the running queues, by endpoint name.</summary>
    public IReadOnlyDictionary<string, EndpointStats> EndpointStatistics
    {
        get
        {
            lock (_lock)
            {
                return _queues.ToDictionary(q => q.Name, q => q.Stats, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Samples deleted from the WAL unsent because they outlived max_keepalive_time.</summary>
    public long WalExpiredSamples { get; private set; }

    /// <inheritdoc/>
    public ComponentHealth CurrentHealth => _health;

    /// <inheritdoc/>
    public IMetricsAppender Appender() => new WalAppender(this);

    /// <inheritdoc/>
    public void Update(object arguments)
    {
        lock (_lock)
        {
            _args = (RemoteWriteArguments)arguments;
            EnsureCheckpoints(_args);
            _updated.TrySetResult();
        }
    }

    /// <inheritdoc/>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var lastTruncate = DateTimeOffset.UtcNow;
        while (!cancellationToken.IsCancellationRequested)
        {
            RemoteWriteArguments args;
            Task updated;
            lock (_lock)
            {
                args = _args;
                updated = _updated.Task;
            }

            using var runCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var queues = args.Endpoints.Select(e => new EndpointQueue(e, args.ExternalLabels, _wal, _options.HttpHandler, _options.Logger, _metrics)).ToList();
            lock (_lock)
            {
                _queues = queues;
            }

            var running = queues.Select(q => Task.Run(() => q.RunAsync(runCts.Token), CancellationToken.None)).ToList();
            _health = ComponentHealth.Healthy();
            try
            {
                while (!updated.IsCompleted && !cancellationToken.IsCancellationRequested)
                {
                    var wake = Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                    var live = running.Where(t => !t.IsCompleted).ToList();
                    await (live.Count == 0 ? Task.WhenAny(updated, wake) : Task.WhenAny(updated, wake, Task.WhenAny(live)));
                    foreach (var t in running.Where(t => t.IsFaulted))
                    {
                        _health = ComponentHealth.Unhealthy($"endpoint queue failed: {t.Exception!.GetBaseException().Message}");
                    }

                    _walSize.Set(_wal.SizeBytes);
                    if (DateTimeOffset.UtcNow - lastTruncate >= args.Wal.TruncateFrequency)
                    {
                        Truncate(args);
                        lastTruncate = DateTimeOffset.UtcNow;
                    }
                }
            }
            finally
            {
                await runCts.CancelAsync();
                try
                {
                    await Task.WhenAll(running);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _options.Logger.LogError(e, "endpoint queue failed while stopping");
                }

                foreach (var q in queues)
                {
                    q.Dispose();
                }
            }

            lock (_lock)
            {
                if (_updated.Task.IsCompleted)
                {
                    _updated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
        }
    }

    // An endpoint seen for the first time starts at the WAL head as of the moment it is configured: it gets every
    // sample accepted from now on, even ones appended before its queue starts running, but no older data.
    private void EnsureCheckpoints(RemoteWriteArguments args)
    {
        foreach (var e in args.Endpoints)
        {
            var path = WalCheckpoint.PathFor(_wal.Directory, e.EffectiveName);
            if (WalCheckpoint.Read(path) is null)
            {
                WalCheckpoint.Write(path, _wal.DurableHead);
            }
        }
    }

    /// <summary>
    /// Seals the active segment and deletes sealed segments that every endpoint has delivered (once older than
    /// min_keepalive_time) and any older than max_keepalive_time (counting their samples as dropped).
    /// </summary>
    public void Truncate(RemoteWriteArguments args)
    {
        ArgumentNullException.ThrowIfNull(args);
        _wal.Roll();
        var lowest = long.MaxValue;
        foreach (var e in args.Endpoints)
        {
            var cp = WalCheckpoint.Read(WalCheckpoint.PathFor(_wal.Directory, e.EffectiveName));
            lowest = Math.Min(lowest, cp?.Segment ?? _wal.Tail.Segment);
        }

        var now = DateTime.UtcNow;
        foreach (var seg in MetricsWal.ListSegments(_wal.Directory))
        {
            if (seg >= _wal.ActiveSegment)
            {
                break;
            }

            var age = now - File.GetLastWriteTimeUtc(_wal.SegmentPath(seg));
            if (seg < lowest && age >= args.Wal.MinKeepaliveTime)
            {
                _wal.DeleteSegment(seg);
            }
            else if (age >= args.Wal.MaxKeepaliveTime)
            {
                var n = CountSamples(seg);
                WalExpiredSamples += n;
                _walDropped.Inc(n);
                _options.Logger.LogError("WAL segment {Segment} outlived max_keepalive_time ({Max}) before delivery; dropped {Count} unsent samples", seg, args.Wal.MaxKeepaliveTime, n);
                _wal.DeleteSegment(seg);
            }
        }

        _walSize.Set(_wal.SizeBytes);
    }

    private long CountSamples(long segment)
    {
        using var reader = _wal.OpenReader(new WalPosition(segment, 0));
        long n = 0;
        while (reader.Position.Segment == segment && reader.TryRead() is { } payload)
        {
            try
            {
                n += WalRecord.Decode(payload).Count;
            }
            catch (InvalidDataException)
            {
                // corrupt records were already counted by the reader
            }
        }

        return n;
    }

    /// <inheritdoc/>
    public void Dispose() => _wal.Dispose();

    private sealed class WalAppender(RemoteWriteComponent owner) : IMetricsAppender
    {
        private readonly List<Sample> _batch = [];

        public void Append(LabelSet labels, long timestampMs, double value) => _batch.Add(new Sample(labels, timestampMs, value));

        public async ValueTask CommitAsync(CancellationToken cancellationToken = default)
        {
            if (_batch.Count == 0)
            {
                return;
            }

            var payload = WalRecord.Encode(_batch);
            await owner._wal.AppendAsync(payload, cancellationToken);
            owner._walAppended.Inc(_batch.Count);
            _batch.Clear();
        }

        public void Rollback() => _batch.Clear();
    }
}
