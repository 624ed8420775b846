using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using River.Components.Prom.Relabel;
using River.Components.Prom.RemoteWrite.Wal;
using River.Components.Telemetry.Metrics;

namespace River.Components.Prom.RemoteWrite;

/// <summary>Counters of one endpoint queue (also exported as Prometheus metrics).</summary>
public sealed class EndpointStats
{
    internal long SentValue;
    internal long FailedValue;
    internal long RetriedValue;
    internal long DroppedValue;
    internal long RequestsValue;

    /// <summary>Samples accepted by the receiver.</summary>
    public long Sent => Interlocked.Read(ref SentValue);

    /// <summary>Samples the receiver refused permanently (4xx other than a retried 429); not retried.</summary>
    public long Failed => Interlocked.Read(ref FailedValue);

    /// <summary>Sample sends repeated after a recoverable error (5xx, 429, network).</summary>
    public long Retried => Interlocked.Read(ref RetriedValue);

    /// <summary>Samples dropped before sending (write relabelling, invalid labels, age limit).</summary>
    public long Dropped => Interlocked.Read(ref DroppedValue);

    /// <summary>HTTP requests made, including retries.</summary>
    public long Requests => Interlocked.Read(ref RequestsValue);

    /// <summary>The last non-recoverable or recoverable error, for health and debugging.</summary>
    public string? LastError { get; internal set; }
}

/// <summary>
/// One endpoint's delivery pipeline: tails the WAL from its persisted checkpoint, adds external labels and applies
/// write relabelling, spreads samples over shards by series hash (so each series stays in order), batches, sends
/// snappy-compressed protobuf, retries recoverable errors with exponential backoff, and advances the checkpoint only
/// past records whose every sample was delivered or permanently refused.
/// </summary>
internal sealed class EndpointQueue : IDisposable
{
    private const string UserAgent = "River/0.1.0";
    private readonly EndpointOptions _cfg;
    private readonly MetricsWal _wal;
    private readonly LabelSet _externalLabels;
    private readonly IReadOnlyList<CompiledRelabelRule> _rules;
    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private readonly string _checkpointPath;
    private readonly Uri _url;
    private readonly Dictionary<LabelSet, LabelSet?> _labelCache = [];
    private readonly Queue<RecordTracker> _inFlight = new();
    private readonly Lock _trackLock = new();
    private readonly Prometheus.Counter.Child _mSent, _mFailed, _mRetried, _mDropped, _mBytes;
    private readonly Prometheus.Gauge.Child _mPending, _mShards, _mDesired, _mHighest;
    private readonly Prometheus.Histogram.Child _mDuration;
    private WalPosition _confirmed;
    private WalPosition _persisted;
    private Shard[] _shards = [];
    private long _pending;
    private long _samplesIn;
    private long _sendTicks;
    private long _samplesOut;

    public EndpointQueue(EndpointOptions cfg, IReadOnlyDictionary<string, string> externalLabels, MetricsWal wal, HttpMessageHandler sharedHandler, ILogger logger, PipelineMetrics metrics)
    {
        _cfg = cfg;
        _wal = wal;
        _externalLabels = LabelSet.FromDictionary(externalLabels);
        _rules = CompiledRelabelRule.CompileAll(cfg.WriteRelabelConfig);
        var (handler, owned) = HttpClientConfig.CreateHandler(sharedHandler, cfg.TlsConfig);
        _http = new HttpClient(handler, owned) { Timeout = Timeout.InfiniteTimeSpan };
        _logger = logger;
        _url = new Uri(cfg.Url);
        _checkpointPath = WalCheckpoint.PathFor(wal.Directory, cfg.EffectiveName);
        var l = metrics.Labels(cfg.EffectiveName, cfg.Url);
        _mSent = metrics.SamplesSent.WithLabels(l);
        _mFailed = metrics.SamplesFailed.WithLabels(l);
        _mRetried = metrics.SamplesRetried.WithLabels(l);
        _mDropped = metrics.SamplesDropped.WithLabels(l);
        _mBytes = metrics.BytesSent.WithLabels(l);
        _mPending = metrics.SamplesPending.WithLabels(l);
        _mShards = metrics.Shards.WithLabels(l);
        _mDesired = metrics.ShardsDesired.WithLabels(l);
        _mHighest = metrics.HighestSent.WithLabels(l);
        _mDuration = metrics.SentBatchDuration.WithLabels(l);
    }

    public string Name => _cfg.EffectiveName;

    public EndpointStats Stats { get; } = new();

    /// <summary>Everything before this position is delivered (or permanently refused).</summary>
    public WalPosition Confirmed
    {
        get
        {
            lock (_trackLock)
            {
                return _confirmed;
            }
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // The component writes a checkpoint when it first sees an endpoint; the head is only a fallback.
        var start = WalCheckpoint.Read(_checkpointPath) ?? _wal.DurableHead;
        if (start < _wal.Tail)
        {
            _logger.LogWarning("endpoint {Endpoint}: checkpoint {Checkpoint} is older than the WAL tail {Tail}; that data was truncated", Name, start, _wal.Tail);
            start = _wal.Tail;
        }

        _confirmed = _persisted = start;
        WalCheckpoint.Write(_checkpointPath, start);
        using var reader = _wal.OpenReader(start);
        using var shardCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        StartShards(_cfg.QueueConfig.MinShards, shardCts.Token);
        var persist = PersistLoopAsync(cancellationToken);
        var lastReshard = Stopwatch.GetTimestamp();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (Stopwatch.GetElapsedTime(lastReshard) > TimeSpan.FromSeconds(10))
                {
                    await MaybeReshardAsync(shardCts.Token);
                    lastReshard = Stopwatch.GetTimestamp();
                }

                var payload = reader.TryRead();
                if (payload is null)
                {
                    try
                    {
                        await _wal.WaitForDataAsync(reader.Position, cancellationToken).WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
                    }
                    catch (TimeoutException)
                    {
                        // periodic wake-up for the reshard check
                    }

                    continue;
                }

                await EnqueueRecordAsync(payload, reader.Position, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // shutting down: what is not confirmed stays in the WAL and is replayed on the next start
        }
        finally
        {
            await shardCts.CancelAsync();
            foreach (var s in _shards)
            {
                s.Channel.Writer.TryComplete();
            }

            await Task.WhenAll(_shards.Select(s => s.Loop));
            await persist;
            PersistCheckpoint();
        }
    }

    private async Task EnqueueRecordAsync(byte[] payload, WalPosition end, CancellationToken cancellationToken)
    {
        List<Sample> samples;
        try
        {
            samples = WalRecord.Decode(payload);
        }
        catch (InvalidDataException e)
        {
            _logger.LogError("endpoint {Endpoint}: undecodable WAL record before {Position}: {Error}", Name, end, e.Message);
            samples = [];
        }

        // The tracker starts with one extra hold so it cannot complete while samples are still being enqueued.
        var tracker = new RecordTracker(end, samples.Count + 1);
        lock (_trackLock)
        {
            _inFlight.Enqueue(tracker);
        }

        Interlocked.Add(ref _samplesIn, samples.Count);
        var shards = _shards;
        foreach (var s in samples)
        {
            var labels = PrepareLabels(s.Labels);
            if (labels is null)
            {
                Interlocked.Increment(ref Stats.DroppedValue);
                _mDropped.Inc();
                Complete(tracker, 1);
                continue;
            }

            var shard = shards[(int)(labels.StableHash % (ulong)shards.Length)];
            Interlocked.Increment(ref _pending);
            await shard.Channel.Writer.WriteAsync(new QueueItem(labels, s.TimestampMs, s.Value, tracker), cancellationToken);
        }

        _mPending.Set(Interlocked.Read(ref _pending));
        Complete(tracker, 1);
    }

    private LabelSet? PrepareLabels(LabelSet input)
    {
        if (_labelCache.TryGetValue(input, out var cached))
        {
            return cached;
        }

        LabelSet? result = input;
        if (_externalLabels.Count > 0)
        {
            var b = input.ToBuilder();
            foreach (var l in _externalLabels.AsSpan())
            {
                if (!b.Has(l.Name))
                {
                    b.Set(l.Name, l.Value);
                }
            }

            result = b.Build();
        }

        result = Relabeler.Process(result, _rules);
        if (result is not null)
        {
            foreach (var l in result.AsSpan())
            {
                if (l.Name.Length == 0 || l.Value.Length == 0)
                {
                    result = null;
                    break;
                }
            }
        }

        if (_labelCache.Count > 200_000)
        {
            _labelCache.Clear(); // bounded: recomputing is cheap, unbounded growth is not
        }

        _labelCache[input] = result;
        return result;
    }

    private void Complete(RecordTracker tracker, int count)
    {
        if (Interlocked.Add(ref tracker.Remaining, -count) != 0)
        {
            return;
        }

        lock (_trackLock)
        {
            while (_inFlight.Count > 0 && Volatile.Read(ref _inFlight.Peek().Remaining) == 0)
            {
                _confirmed = _inFlight.Dequeue().End;
            }
        }
    }

    private async Task PersistLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
                PersistCheckpoint();
            }
        }
        catch (OperationCanceledException)
        {
            // final write happens in RunAsync's finally
        }
    }

    private void PersistCheckpoint()
    {
        var c = Confirmed;
        if (c == _persisted)
        {
            return;
        }

        try
        {
            WalCheckpoint.Write(_checkpointPath, c);
            _persisted = c;
        }
        catch (IOException e)
        {
            _logger.LogError("endpoint {Endpoint}: cannot persist checkpoint: {Error}", Name, e.Message);
        }
    }

    private void StartShards(int count, CancellationToken cancellationToken)
    {
        var shards = new Shard[count];
        for (var i = 0; i < count; i++)
        {
            var ch = Channel.CreateBounded<QueueItem>(new BoundedChannelOptions(_cfg.QueueConfig.Capacity) { SingleReader = true, SingleWriter = true });
            shards[i] = new Shard(ch, Task.Run(() => ShardLoopAsync(ch.Reader, cancellationToken), CancellationToken.None));
        }

        _shards = shards;
        _mShards.Set(count);
    }

    // Recomputes the shard count from throughput, as Prometheus does in spirit: shard-seconds needed per second of
    // input plus enough to work off the backlog within ten seconds. Resharding drains every shard first, so no series
    // ever has samples in two shards at once and per-series order holds.
    private async Task MaybeReshardAsync(CancellationToken cancellationToken)
    {
        var samplesIn = Interlocked.Exchange(ref _samplesIn, 0);
        var samplesOut = Interlocked.Exchange(ref _samplesOut, 0);
        var sendSeconds = Interlocked.Exchange(ref _sendTicks, 0) / (double)Stopwatch.Frequency;
        if (samplesOut == 0)
        {
            return; // nothing measured (idle, or the receiver is down): keep the current shards
        }

        var timePerSample = sendSeconds / samplesOut;
        var inRate = samplesIn / 10.0;
        var backlog = Interlocked.Read(ref _pending) / 10.0;
        var desired = (int)Math.Ceiling(timePerSample * (inRate + backlog) * 1.1);
        desired = Math.Clamp(desired, _cfg.QueueConfig.MinShards, _cfg.QueueConfig.MaxShards);
        _mDesired.Set(desired);
        var current = _shards.Length;
        if (desired == current || (desired < current && desired > current * 0.7))
        {
            return;
        }

        _logger.LogInformation("endpoint {Endpoint}: resharding from {From} to {To}", Name, current, desired);
        foreach (var s in _shards)
        {
            s.Channel.Writer.TryComplete();
        }

        await Task.WhenAll(_shards.Select(s => s.Loop));
        StartShards(desired, cancellationToken);
    }

    private async Task ShardLoopAsync(ChannelReader<QueueItem> reader, CancellationToken cancellationToken)
    {
        var max = _cfg.QueueConfig.MaxSamplesPerSend;
        var batch = new List<QueueItem>(Math.Min(max, 4096));
        try
        {
            while (true)
            {
                if (batch.Count == 0)
                {
                    if (!await reader.WaitToReadAsync(cancellationToken))
                    {
                        return; // completed for resharding and drained
                    }
                }

                var deadline = Stopwatch.GetTimestamp() + (long)(_cfg.QueueConfig.BatchSendDeadline.TotalSeconds * Stopwatch.Frequency);
                var completed = false;
                while (batch.Count < max)
                {
                    while (batch.Count < max && reader.TryRead(out var item))
                    {
                        batch.Add(item);
                    }

                    if (batch.Count >= max)
                    {
                        break;
                    }

                    var remaining = deadline - Stopwatch.GetTimestamp();
                    if (remaining <= 0)
                    {
                        break;
                    }

                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    wait.CancelAfter(TimeSpan.FromSeconds(remaining / (double)Stopwatch.Frequency));
                    try
                    {
                        if (!await reader.WaitToReadAsync(wait.Token))
                        {
                            completed = true;
                            break;
                        }
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        break; // batch_send_deadline reached
                    }
                }

                if (batch.Count > 0)
                {
                    await SendBatchAsync(batch, cancellationToken);
                    batch.Clear();
                }

                if (completed)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // shutdown: unsent samples stay unconfirmed in the WAL
        }
    }

    private async Task SendBatchAsync(List<QueueItem> batch, CancellationToken cancellationToken)
    {
        Interlocked.Add(ref _pending, -batch.Count);
        _mPending.Set(Interlocked.Read(ref _pending));
        var ageLimit = _cfg.QueueConfig.SampleAgeLimit;
        var minTs = ageLimit > TimeSpan.Zero ? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - (long)ageLimit.TotalMilliseconds : long.MinValue;

        // Group per series, keeping each series' samples in arrival (= time) order.
        var bySeries = new Dictionary<LabelSet, WriteSeries>();
        var series = new List<WriteSeries>();
        var count = 0;
        long newest = long.MinValue;
        var tooOld = 0;
        foreach (var item in batch)
        {
            if (item.TimestampMs < minTs)
            {
                tooOld++;
                continue;
            }

            if (!bySeries.TryGetValue(item.Labels, out var ws))
            {
                ws = new WriteSeries(item.Labels, []);
                bySeries[item.Labels] = ws;
                series.Add(ws);
            }

            ws.Samples.Add((item.TimestampMs, item.Value));
            count++;
            newest = Math.Max(newest, item.TimestampMs);
        }

        if (tooOld > 0)
        {
            Interlocked.Add(ref Stats.DroppedValue, tooOld);
            _mDropped.Inc(tooOld);
            _logger.LogWarning("endpoint {Endpoint}: dropped {Count} samples older than sample_age_limit", Name, tooOld);
        }

        if (count > 0)
        {
            var body = Snappier.Snappy.CompressToArray(WriteRequestCodec.Encode(series));
            await SendWithRetryAsync(body, count, newest, cancellationToken);
        }

        // Delivered or permanently refused: either way these samples are done.
        foreach (var item in batch)
        {
            Complete(item.Tracker, 1);
        }
    }

    private async Task SendWithRetryAsync(byte[] body, int count, long newest, CancellationToken cancellationToken)
    {
        var backoff = _cfg.QueueConfig.MinBackoff;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            TimeSpan delay;
            var started = Stopwatch.GetTimestamp();
            Interlocked.Increment(ref Stats.RequestsValue);
            using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            request.Content.Headers.ContentEncoding.Add("snappy");
            request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
            request.Headers.TryAddWithoutValidation("X-Prometheus-Remote-Write-Version", "0.1.0");
            foreach (var (k, v) in _cfg.Headers)
            {
                request.Headers.TryAddWithoutValidation(k, v.Value);
            }

            HttpClientConfig.ApplyAuth(request, _cfg.BasicAuth, _cfg.Authorization, _cfg.BearerToken, _cfg.BearerTokenFile);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_cfg.RemoteTimeout);
            try
            {
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                var elapsed = Stopwatch.GetElapsedTime(started);
                _mDuration.Observe(elapsed.TotalSeconds);
                var status = (int)response.StatusCode;
                if (status is >= 200 and < 300)
                {
                    Interlocked.Add(ref Stats.SentValue, count);
                    Interlocked.Add(ref _samplesOut, count);
                    Interlocked.Add(ref _sendTicks, Stopwatch.GetTimestamp() - started);
                    _mSent.Inc(count);
                    _mBytes.Inc(body.Length);
                    _mHighest.Set(newest / 1000.0);
                    return;
                }

                var text = await ReadSnippetAsync(response, cancellationToken);
                if (status >= 500 || (status == (int)HttpStatusCode.TooManyRequests && _cfg.QueueConfig.RetryOnHttp429))
                {
                    delay = RetryAfter(response) ?? backoff;
                    Stats.LastError = $"server returned HTTP {status}: {text}";
                    _logger.LogWarning("endpoint {Endpoint}: recoverable error, retrying {Count} samples in {Delay}: HTTP {Status} {Body}", Name, count, delay, status, text);
                }
                else
                {
                    // Other 4xx (and 429 when not retried) never succeed: drop, count and log the receiver's words.
                    Interlocked.Add(ref Stats.FailedValue, count);
                    _mFailed.Inc(count);
                    Stats.LastError = $"server returned HTTP {status}: {text}";
                    _logger.LogError("endpoint {Endpoint}: non-recoverable error, dropped {Count} samples: HTTP {Status} {Body}", Name, count, status, text);
                    return;
                }
            }
            catch (HttpRequestException e)
            {
                delay = backoff;
                Stats.LastError = e.Message;
                _logger.LogWarning("endpoint {Endpoint}: send failed, retrying {Count} samples in {Delay}: {Error}", Name, count, delay, e.Message);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                delay = backoff;
                Stats.LastError = $"request timed out after {_cfg.RemoteTimeout}";
                _logger.LogWarning("endpoint {Endpoint}: request timed out after {Timeout}, retrying", Name, _cfg.RemoteTimeout);
            }

            Interlocked.Add(ref Stats.RetriedValue, count);
            _mRetried.Inc(count);
            await Task.Delay(delay, cancellationToken);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _cfg.QueueConfig.MaxBackoff.Ticks));
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var ra = response.Headers.RetryAfter;
        TimeSpan? d = ra?.Delta ?? (ra?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        return d is { } v ? TimeSpan.FromTicks(Math.Clamp(v.Ticks, 0, TimeSpan.FromMinutes(5).Ticks)) : null;
    }

    private static async Task<string> ReadSnippetAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var s = await response.Content.ReadAsStringAsync(cancellationToken);
            return s.Length > 512 ? s[..512] : s.TrimEnd();
        }
        catch (HttpRequestException)
        {
            return "";
        }
    }

    public void Dispose() => _http.Dispose();

    private sealed class RecordTracker(WalPosition end, int remaining)
    {
        public WalPosition End { get; } = end;

        public int Remaining = remaining;
    }

    private readonly record struct QueueItem(LabelSet Labels, long TimestampMs, double Value, RecordTracker Tracker);

    private sealed record Shard(Channel<QueueItem> Channel, Task Loop);
}
