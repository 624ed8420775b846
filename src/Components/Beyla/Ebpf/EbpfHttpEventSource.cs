using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using River.Components.Beyla.Ebpf.Native;
using River.Ebpf;
using River.Runtime;

namespace River.Components.Beyla.Ebpf;

/// <summary>How <see cref="EbpfHttpEventSource"/> runs the capture program.</summary>
public sealed record EbpfSourceOptions
{
    /// <summary>Sizing of the kernel side (ring buffer, maps, wake-up batching).</summary>
    public HttpCaptureOptions Capture { get; init; } = new(WakeupLength: EbpfSourceOptions.DefaultWakeupLength);

    /// <summary><c>ebpf.http_request_timeout</c>: unanswered requests older than this become 408s; zero reports none.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a request may wait for its response when <see cref="RequestTimeout"/> is zero: it is then removed
    /// silently, so connections that died mid-request cannot fill the table of pending requests.
    /// </summary>
    public TimeSpan HousekeepingTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Log every event (the component's <c>debug</c> argument).</summary>
    public bool Debug { get; init; }

    /// <summary>Longest wait for ring-buffer records; records batched by the wake-up length are drained after it.</summary>
    public TimeSpan PollTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often the per-CPU counters are read for lost events.</summary>
    public TimeSpan StatsInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the health message about lost events stays after the last loss.</summary>
    public TimeSpan LostEventsHealthWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Beyla's wake-up length when <c>wakeup_len</c> is unset (0).</summary>
    public const uint DefaultWakeupLength = 500;

    /// <summary>Maps the component's arguments (<c>ebpf</c> block and <c>debug</c>).</summary>
    public static EbpfSourceOptions From(BeylaArguments arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var wakeup = arguments.Ebpf.WakeupLen > 0 ? (uint)arguments.Ebpf.WakeupLen : DefaultWakeupLength;
        return new EbpfSourceOptions
        {
            Capture = new HttpCaptureOptions(WakeupLength: wakeup),
            RequestTimeout = arguments.Ebpf.HttpRequestTimeout > TimeSpan.Zero ? arguments.Ebpf.HttpRequestTimeout : TimeSpan.Zero,
            Debug = arguments.Debug,
        };
    }

    /// <summary>The timeout the pending-request sweep uses: the configured one, or the housekeeping one when disabled.</summary>
    public TimeSpan EffectiveExpiryTimeout => RequestTimeout > TimeSpan.Zero ? RequestTimeout : HousekeepingTimeout;

    /// <summary>How often pending requests are swept: a quarter of the timeout, between 100 ms and 5 s.</summary>
    public TimeSpan ExpiryInterval =>
        TimeSpan.FromTicks(Math.Clamp(EffectiveExpiryTimeout.Ticks / 4, TimeSpan.FromMilliseconds(100).Ticks, TimeSpan.FromSeconds(5).Ticks));
}

/// <summary>
/// The kernel event source of <c>beyla.ebpf</c>: loads <see cref="HttpCaptureProgram"/>, keeps its PID filter equal to
/// the discovered processes, polls its ring buffer on a dedicated thread, pairs each request record with its response
/// record (<see cref="PendingRequests"/>) and hands the pair to the tracer as an <see cref="HttpRequestEvent"/>
/// (converted on the stack: nothing is allocated per event). The same thread sweeps the pending requests for
/// <c>http_request_timeout</c> (expired requests become 408s) and reads the per-CPU counters for lost events. A program the kernel refuses makes the source unhealthy with the verifier's message. Every native
/// handle is released when <see cref="RunAsync"/> ends (cancellation) or the source is disposed.
/// </summary>
public sealed class EbpfHttpEventSource : IHttpEventSource, IHealthReporter
{
    private readonly EbpfSourceOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly HashSet<int> _wanted = [];
    private readonly HashSet<int> _traced = [];
    private readonly RingBufferHandler _onRecord;
    private readonly Action<HttpEventNative> _onExpired;
    private readonly PendingRequests _pending;
    // The event handed to the tracer, reused for every request (only the reader thread touches it).
    private HttpRequestEvent _event;
    // The reader's full-size copy of a small request record (HttpEventNative.SmallSize bytes).
    private HttpEventNative _small;
    private long _refused;
    private long _orphans;
    private HttpCaptureProgram? _program;
    private ComponentHealth _health = ComponentHealth.Healthy("eBPF capture starting");
    private HttpRequestEventHandler? _onRequest;
    private long _events;
    private long _expired;
    private long _handlerErrors;
    private readonly CancellationTokenSource _stop = new();
    private Thread? _thread;
    private bool _disposed;
    private bool _started;

    /// <summary>Creates the source; nothing touches the kernel before <see cref="RunAsync"/>.</summary>
    public EbpfHttpEventSource(EbpfSourceOptions options, ILogger logger)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        // Cached once: the ring-buffer callback and the expiry callback must not allocate per call.
        _onRecord = OnRecord;
        _onExpired = OnExpired;
        _pending = new PendingRequests((int)Math.Max(1u, options.Capture.MaxInflightRequests));
    }

    /// <summary>The factory <see cref="BeylaComponent.EventSourceFactory"/> uses by default.</summary>
    public static IHttpEventSource Create(BeylaArguments arguments, ILogger logger) =>
        new EbpfHttpEventSource(EbpfSourceOptions.From(arguments), logger);

    /// <summary>Records delivered to the tracer so far (expired requests included).</summary>
    public long Events => Volatile.Read(ref _events);

    /// <summary>Requests reported as 408 by the pending-request sweep so far.</summary>
    public long ExpiredRequests => Interlocked.Read(ref _expired);

    /// <summary>Requests not tracked because <see cref="HttpCaptureOptions.MaxInflightRequests"/> were waiting already.</summary>
    public long RefusedRequests => Interlocked.Read(ref _refused);

    /// <summary>Response records whose request was not waiting (expired already, refused, or its record lost).</summary>
    public long OrphanResponses => Interlocked.Read(ref _orphans);

    /// <summary>True while the program is loaded and attached.</summary>
    public bool IsRunning
    {
        get
        {
            lock (_lock)
            {
                return _program is not null;
            }
        }
    }

    /// <summary>The processes currently in the kernel's PID filter.</summary>
    public IReadOnlyCollection<int> TracedPids
    {
        get
        {
            lock (_lock)
            {
                return [.. _traced];
            }
        }
    }

    /// <inheritdoc/>
    public ComponentHealth CurrentHealth
    {
        get
        {
            lock (_lock)
            {
                return _health;
            }
        }
    }

    /// <inheritdoc/>
    public void SetPids(IReadOnlyCollection<int> pids)
    {
        ArgumentNullException.ThrowIfNull(pids);
        lock (_lock)
        {
            _wanted.Clear();
            _wanted.UnionWith(pids);
            if (_program is not null)
            {
                ApplyPids(_program);
            }
        }
    }

    /// <inheritdoc/>
    public Task RunAsync(HttpRequestEventHandler onRequest, Action<long> onLost, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onRequest);
        ArgumentNullException.ThrowIfNull(onLost);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_started)
            {
                throw new InvalidOperationException("the eBPF event source runs once");
            }

            _started = true;
        }

        _onRequest = onRequest;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // A dedicated thread: polling blocks in epoll_wait, which must not hold a thread-pool thread.
        var thread = new Thread(() =>
        {
            try
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
                Run(onLost, linked.Token);
                done.TrySetResult();
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "beyla-ebpf-reader",
        };
        _thread = thread;
        thread.Start();
        return done.Task;
    }

    private void Run(Action<long> onLost, CancellationToken token)
    {
        if (!TryStart(out var program))
        {
            return;
        }

        RingBufferReader? reader = null;
        try
        {
            reader = program.OpenReader(_onRecord);
            SetHealth(ComponentHealth.Healthy());
            _logger.LogInformation("eBPF HTTP capture attached (wakeup {Wakeup} events, request timeout {Timeout})",
                _options.Capture.WakeupLength, _options.RequestTimeout);

            var clock = Stopwatch.StartNew();
            var nextExpiry = _options.ExpiryInterval;
            var nextStats = _options.StatsInterval;
            var lastLossAt = TimeSpan.MinValue;
            ulong lostSeen = 0;
            long refusedSeen = 0;
            while (!token.IsCancellationRequested)
            {
                reader.Poll(_options.PollTimeout);
                var now = clock.Elapsed;
                if (now >= nextExpiry)
                {
                    var monotonic = BpfClock.MonotonicNanoseconds();
                    var timeoutNs = (ulong)_options.EffectiveExpiryTimeout.Ticks * 100;
                    _pending.Expire(monotonic > timeoutNs ? monotonic - timeoutNs : 0, _onExpired);
                    nextExpiry = now + _options.ExpiryInterval;
                }

                if (now >= nextStats)
                {
                    nextStats = now + _options.StatsInterval;
                    var stats = program.ReadStats();
                    var lost = stats.LostRingBufferFull - lostSeen;
                    var refusedTotal = RefusedRequests;
                    var refused = refusedTotal - refusedSeen;
                    lostSeen = stats.LostRingBufferFull;
                    refusedSeen = refusedTotal;
                    if (lost > 0)
                    {
                        onLost((long)lost);
                    }

                    if (lost > 0 || refused > 0)
                    {
                        lastLossAt = now;
                        var message = $"eBPF events lost: {stats.LostRingBufferFull} requests dropped because the ring buffer was full, " +
                            $"{refusedTotal} requests not tracked because {_pending.Capacity} requests were waiting for a response already";
                        _logger.LogWarning("{Message} ({Lost} and {Refused} in the last {Interval})", message, lost, refused, _options.StatsInterval);
                        SetHealth(ComponentHealth.Healthy(message));
                    }
                    else if (lastLossAt != TimeSpan.MinValue && now - lastLossAt > _options.LostEventsHealthWindow)
                    {
                        lastLossAt = TimeSpan.MinValue;
                        SetHealth(ComponentHealth.Healthy());
                    }
                }
            }

            // Deliver what the kernel submitted before the stop, so a reload loses as little as possible.
            reader.Consume();
        }
        catch (BpfException ex)
        {
            // Polling, expiry or counters failed (not expected once loaded): stop capturing, say why, keep River up.
            var message = $"eBPF capture stopped: {ex.Message}";
            _logger.LogError(ex, "{Message}", message);
            SetHealth(ComponentHealth.Unhealthy(message));
        }
        finally
        {
            reader?.Dispose();
            lock (_lock)
            {
                _program = null;
                _traced.Clear();
                program.Dispose();
            }

            _logger.LogInformation("eBPF HTTP capture detached after {Events} events ({Expired} expired, {Errors} handler errors)",
                Events, ExpiredRequests, Interlocked.Read(ref _handlerErrors));
        }
    }

    private bool TryStart(out HttpCaptureProgram program)
    {
        program = null!;
        try
        {
            program = HttpCaptureProgram.Start(_options.Capture);
        }
        catch (BpfLoadException ex)
        {
            // The verifier's own log when a program was rejected, else what libbpf printed (e.g. a map refused).
            var hasVerifierLog = ex.LibbpfLog.Contains("-- BEGIN PROG LOAD LOG --", StringComparison.Ordinal);
            var detail = (hasVerifierLog ? ex.VerifierLog : ex.LibbpfLog).Trim();
            var message = $"the kernel refused the eBPF program: {ex.Message.Split(Environment.NewLine)[0]}" +
                (detail.Length == 0 ? "" : $"; {(hasVerifierLog ? "verifier log" : "libbpf output")}: {Tail(detail, 2000)}");
            _logger.LogError("{Message}", message);
            SetHealth(ComponentHealth.Unhealthy(message));
            return false;
        }
        catch (BpfException ex)
        {
            var message = $"eBPF capture unavailable: {ex.Message}";
            _logger.LogError("{Message}", message);
            SetHealth(ComponentHealth.Unhealthy(message));
            return false;
        }

        lock (_lock)
        {
            if (_disposed)
            {
                program.Dispose();
                return false;
            }

            _program = program;
            ApplyPids(program);
        }

        return true;
    }

    // Caller holds _lock.
    private void ApplyPids(HttpCaptureProgram program)
    {
        foreach (var pid in _traced.Where(p => !_wanted.Contains(p)).ToList())
        {
            program.UntracePid(pid);
            _traced.Remove(pid);
        }

        foreach (var pid in _wanted)
        {
            if (pid > 0 && _traced.Add(pid))
            {
                program.TracePid(pid);
            }
        }
    }

    private void OnRecord(ReadOnlySpan<byte> record)
    {
        switch (record.IsEmpty ? 0 : record[0])
        {
            case HttpEventNative.KindRequest when record.Length >= HttpEventNative.Size:
                if (!_pending.TryAdd(MemoryMarshal.AsRef<HttpEventNative>(record)))
                {
                    Interlocked.Increment(ref _refused);
                }

                break;
            case HttpEventNative.KindRequest when record.Length == HttpEventNative.SmallSize:
                // A request of at most 64 bytes: its record stops after them, so it goes through a full-size copy.
                HttpEventNative.CopySmall(record, ref _small);
                if (!_pending.TryAdd(in _small))
                {
                    Interlocked.Increment(ref _refused);
                }

                break;
            case HttpEventNative.KindResponse when record.Length >= HttpResponseNative.Size:
                OnResponse(in MemoryMarshal.AsRef<HttpResponseNative>(record));
                break;
            case HttpEventNative.KindAppend when record.Length >= HttpAppendNative.Size:
                // A continuation of a request no longer waiting (expired, or refused) has nothing to add to.
                _pending.TryAppend(in MemoryMarshal.AsRef<HttpAppendNative>(record), record[HttpAppendNative.Size..]);
                break;
            default:
                Interlocked.Increment(ref _handlerErrors);
                break;
        }
    }

    private void OnResponse(in HttpResponseNative response)
    {
        // Responses of a connection come in request order: requests still waiting with lower numbers lost their
        // response record (counted by the kernel as lost), so they are answered, not expired as 408s later.
        _pending.DropAnsweredBefore(response.ConnectionId, response.Seq);
        // Converted straight from the held record into the reader's event (no copy of either on the way).
        if (!_pending.TryComplete(in response, ref _event))
        {
            // Expired already (a response after http_request_timeout), refused when the table was full, or the
            // request record was lost: the request was reported, counted, or is in the lost-events count.
            Interlocked.Increment(ref _orphans);
            return;
        }

        Deliver(in _event);
    }

    private void OnExpired(HttpEventNative request)
    {
        if (_options.RequestTimeout <= TimeSpan.Zero)
        {
            // Housekeeping only: http_request_timeout = 0 reports no 408s.
            if (_options.Debug)
            {
                _logger.LogInformation("removed a request unanswered for {Timeout} (pid {Pid}, port {Port})",
                    _options.HousekeepingTimeout, request.Tgid, request.LocalPort);
            }

            return;
        }

        request.Status = 408;
        request.EndNs = request.StartNs + (ulong)(_options.RequestTimeout.Ticks * 100);
        Interlocked.Increment(ref _expired);
        Deliver(in request);
    }

    private void Deliver(in HttpEventNative native)
    {
        native.CopyTo(ref _event);
        Deliver(in _event);
    }

    private void Deliver(in HttpRequestEvent e)
    {
        // Only this thread writes the count: a plain increment published with a volatile write, not a locked add.
        Volatile.Write(ref _events, _events + 1);
        if (_options.Debug)
        {
            LogEvent(in e);
        }

        try
        {
            _onRequest!(in e);
        }
        catch (Exception ex)
        {
            // One bad event must not stop the capture: count it and log it.
            Interlocked.Increment(ref _handlerErrors);
            _logger.LogWarning(ex, "processing an eBPF event failed");
        }
    }

    private void LogEvent(in HttpRequestEvent e)
    {
        var bytes = e.RequestBytes;
        var lineEnd = bytes.IndexOf((byte)'\r');
        var line = System.Text.Encoding.ASCII.GetString(lineEnd >= 0 ? bytes[..lineEnd] : bytes);
        _logger.LogInformation("ebpf event: pid={Pid} {Direction} {Line} status={Status} duration={Duration:F6}s {Host}:{HostPort} <- {Peer}:{PeerPort}",
            e.Pid, e.Direction, line, e.Status, e.DurationSeconds, e.GetHostAddress(), e.HostPort, e.GetPeerAddress(), e.PeerPort);
    }

    private void SetHealth(ComponentHealth health)
    {
        lock (_lock)
        {
            _health = health;
        }
    }

    private static string Tail(string text, int max) => text.Length <= max ? text : "…" + text[^max..];

    /// <summary>
    /// Stops the reader thread (if <see cref="RunAsync"/> was not cancelled already) and waits for it to release the
    /// program, the ring buffer and every map.
    /// </summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _stop.Cancel();
        var thread = _thread;
        if (thread is not null && thread != Thread.CurrentThread)
        {
            // One poll timeout plus the final drain; bounded so a stuck consumer cannot hang a reload.
            if (!thread.Join(TimeSpan.FromSeconds(10)))
            {
                _logger.LogWarning("the eBPF reader thread did not stop within 10s");
                return;
            }
        }

        _stop.Dispose();
    }
}
