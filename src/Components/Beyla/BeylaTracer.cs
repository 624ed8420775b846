using System.Text;
using Prometheus;
using River.Components.Beyla.Attributes;
using River.Components.Beyla.Discovery;
using River.Components.Beyla.Metrics;
using River.Components.Beyla.Routes;
using River.Components.Telemetry.Otlp.Collector.Trace;
using OtlpSpan = River.Components.Telemetry.Otlp.Trace.Span;

namespace River.Components.Beyla;

/// <summary>
/// The user-space half of <c>beyla.ebpf</c>, usable without the runtime: takes decoded requests
/// (<see cref="HttpRequestEvent"/>) of discovered processes and turns them into metrics (in its own prometheus-net
/// registry) and OTLP spans (collected into batches, one <c>ResourceSpans</c> per service). The routes stage, the
/// application filters and <c>metrics.instrumentations</c> are applied here.
/// </summary>
/// <remarks>
/// Threading: <see cref="Process"/> may be called from the ring-buffer thread while <see cref="OnDiscoveryChanged"/>
/// and <see cref="TakeBatch"/> run elsewhere; shared state is guarded. A request with its request line but no response
/// yet (<see cref="HttpRequestEvent.EndNs"/> = 0) is kept pending; <see cref="ExpirePending"/> turns one unanswered for
/// <c>http_request_timeout</c> into a span and metrics with status 408.
/// </remarks>
public sealed class BeylaTracer
{
    /// <summary>Beyla's <c>batch_length</c>: spans per export request.</summary>
    public const int BatchLength = 100;

    private readonly RouteClassifier _routes;
    private readonly AttributeFilter _filter;
    private readonly bool _filterNeedsPath;
    private readonly bool _tracesEnabled;
    private readonly bool _trackHeaders;
    private readonly TimeSpan _requestTimeout;
    private readonly SpanFactory _spans;
    // Replaced, never changed, on a discovery change: the per-event look-up reads it without a lock.
    private volatile Dictionary<int, ServiceLabels> _services = [];
    // _pending.Count, readable without the lock: events that complete a request take the lock only when some
    // request is pending (a source that sends whole requests, as the eBPF one does, never takes it).
    private volatile int _pendingCount;
    private readonly Dictionary<PendingKey, HttpRequestEvent> _pending = [];
    private readonly List<(DiscoveredService, OtlpSpan)> _batch = [];
    private readonly Lock _lock = new();
    private long _unknownPidEvents;
    private long _invalidEvents;

    /// <summary>Builds the tracer from validated arguments.</summary>
    /// <param name="arguments">The component arguments.</param>
    /// <param name="registry">Where the metrics go (a registry of the component's own).</param>
    /// <param name="hostName">Host name for resources and <c>target_info</c>.</param>
    /// <param name="tracesEnabled">False when no trace consumer is configured: no span is built at all.</param>
    /// <param name="monotonicToUnixNs">Clock offset for span times (null: measured now).</param>
    public BeylaTracer(BeylaArguments arguments, CollectorRegistry registry, string hostName, bool tracesEnabled, long? monotonicToUnixNs = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        _routes = new RouteClassifier(arguments.Routes);
        _filter = new AttributeFilter(arguments.Filters.Application);
        _filterNeedsPath = _filter.Attributes.Any(a => a is "url.path" or "url.full");
        _tracesEnabled = tracesEnabled;
        _trackHeaders = arguments.Ebpf.TrackRequestHeaders;
        _requestTimeout = arguments.Ebpf.HttpRequestTimeout;
        _spans = new SpanFactory(hostName, monotonicToUnixNs);
        Metrics = new BeylaMetrics(registry, new AttributeSelection(arguments.Attributes.Select), _routes.Enabled,
            arguments.Metrics.IsInstrumentationEnabled("http") && arguments.Metrics.Features.Contains("application"), hostName);
    }

    /// <summary>The metrics.</summary>
    public BeylaMetrics Metrics { get; }

    /// <summary>The span factory (resource attributes, clock offset).</summary>
    public SpanFactory Spans => _spans;

    /// <summary>Events dropped because their pid is not (or no longer) selected.</summary>
    public long UnknownPidEvents => Interlocked.Read(ref _unknownPidEvents);

    /// <summary>Events dropped because they do not hold a valid HTTP request line.</summary>
    public long InvalidEvents => Interlocked.Read(ref _invalidEvents);

    /// <summary>Spans waiting in the current batch.</summary>
    public int PendingSpans
    {
        get
        {
            lock (_lock)
            {
                return _batch.Count;
            }
        }
    }

    /// <summary>Also sees every request counted in metrics: span metrics and the service graph (issue #7).</summary>
    public SpanMetrics.IRequestObserver? Observer { get; set; }

    /// <summary>Applies a discovery change: new processes get label values, gone ones are forgotten.</summary>
    public void OnDiscoveryChanged(DiscoveryChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_lock)
        {
            var services = new Dictionary<int, ServiceLabels>(_services);
            foreach (var s in change.Removed)
            {
                services.Remove(s.Pid);
            }

            foreach (var s in change.Added)
            {
                services[s.Pid] = new ServiceLabels(s);
            }

            _services = services;
        }

        Metrics.OnDiscoveryChanged(change);
    }

    /// <summary>
    /// Handles one request: routes, filters, metrics and (when traces are enabled) a span. Returns true when the
    /// request was accepted (not dropped as unknown, invalid or filtered).
    /// </summary>
    public bool Process(in HttpRequestEvent e)
    {
        _services.TryGetValue(e.Pid, out var service);
        if (service is not null && _requestTimeout > TimeSpan.Zero && (e.EndNs == 0 || _pendingCount > 0))
        {
            lock (_lock)
            {
                if (e.EndNs == 0)
                {
                    // Request seen, response not yet: remember it for the timeout sweep.
                    _pending[PendingKey.Of(in e)] = e;
                    _pendingCount = _pending.Count;
                    return true;
                }

                _pending.Remove(PendingKey.Of(in e));
                _pendingCount = _pending.Count;
            }
        }

        if (service is null)
        {
            Interlocked.Increment(ref _unknownPidEvents);
            return false;
        }

        if (e.EndNs == 0 || e.EndNs < e.StartNs || !HttpRequestParser.TryParseRequestLine(e.RequestBytes, out var line))
        {
            Interlocked.Increment(ref _invalidEvents);
            return false;
        }

        var decision = _routes.Classify(line.Path);
        var method = line.KnownMethod!;
        if (!_filter.IsEmpty && !PassesFilter(_filter, _filterNeedsPath, service.Service, in e, method, decision.Route, line.Path))
        {
            return false;
        }

        if (!decision.DropMetrics)
        {
            Metrics.Record(service, in e, method, decision.Route);
            Observer?.Observe(service.Service, in e, method, decision.Route);
        }

        if (_tracesEnabled && !decision.DropTraces)
        {
            var span = _spans.CreateSpan(in e, method, Encoding.UTF8.GetString(line.Path), decision.Route, _trackHeaders);
            lock (_lock)
            {
                _batch.Add((service.Service, span));
            }
        }

        return true;
    }

    /// <summary>
    /// Reports every pending request older than <c>http_request_timeout</c> at monotonic time <paramref name="nowNs"/>
    /// as answered with 408 at start + timeout. Returns how many were expired.
    /// </summary>
    public int ExpirePending(ulong nowNs)
    {
        if (_requestTimeout <= TimeSpan.Zero)
        {
            return 0;
        }

        var timeoutNs = (ulong)(_requestTimeout.Ticks * 100);
        List<HttpRequestEvent> expired = [];
        lock (_lock)
        {
            foreach (var (key, pending) in _pending)
            {
                if (nowNs >= pending.StartNs && nowNs - pending.StartNs >= timeoutNs)
                {
                    expired.Add(pending);
                }
            }

            foreach (var p in expired)
            {
                _pending.Remove(PendingKey.Of(in p));
            }

            _pendingCount = _pending.Count;
        }

        foreach (var p in expired)
        {
            var timedOut = p;
            timedOut.Status = 408;
            timedOut.EndNs = p.StartNs + timeoutNs;
            Process(in timedOut);
        }

        return expired.Count;
    }

    /// <summary>Takes the spans collected so far as one export request (null when there are none).</summary>
    public ExportTraceServiceRequest? TakeBatch()
    {
        List<(DiscoveredService, OtlpSpan)> spans;
        lock (_lock)
        {
            if (_batch.Count == 0)
            {
                return null;
            }

            spans = [.. _batch];
            _batch.Clear();
        }

        return _spans.CreateRequest(spans);
    }

    private static bool PassesFilter(AttributeFilter filter, bool needsPath, DiscoveredService service, in HttpRequestEvent e, string method, string route, ReadOnlySpan<byte> path)
    {
        var state = new FilterState(e.Status, method, route, needsPath ? Encoding.UTF8.GetString(path) : "",
            e.Direction == RequestDirection.Server ? e.HostPort : e.PeerPort,
            service,
            e.Direction == RequestDirection.Server ? e.GetHostAddress().ToString() : e.GetPeerAddress().ToString(),
            e.Direction == RequestDirection.Server ? e.GetPeerAddress().ToString() : e.GetHostAddress().ToString());
        return filter.Allows(state, static (st, attr) => st.Value(attr));
    }

    private sealed record FilterState(
        ushort Status, string Method, string Route, string Path, ushort ServerPort, DiscoveredService? Service,
        string ServerAddress, string ClientAddress)
    {
        public string? Value(string attribute) => attribute switch
        {
            "http.request.method" => Method,
            "http.response.status.code" or "http.response.status_code" => Status.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "http.route" => Route,
            "url.path" => Path,
            "url.scheme" => "http",
            "server.port" => ServerPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "server.address" => ServerAddress,
            "client.address" => ClientAddress,
            "service.name" => Service?.ServiceName,
            "service.namespace" => Service?.ServiceNamespace,
            "service.instance.id" or "instance" => Service?.InstanceId,
            _ => null,
        };
    }

    private readonly record struct PendingKey(int Pid, RequestDirection Direction, ushort HostPort, ushort PeerPort, ulong StartNs)
    {
        public static PendingKey Of(in HttpRequestEvent e) => new(e.Pid, e.Direction, e.HostPort, e.PeerPort, e.StartNs);
    }
}
