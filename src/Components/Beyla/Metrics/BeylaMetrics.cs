using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Prometheus;
using River.Components.Beyla.Attributes;
using River.Components.Beyla.Discovery;

namespace River.Components.Beyla.Metrics;

/// <summary>Per-service label values, computed once per discovered process.</summary>
public sealed class ServiceLabels
{
    /// <summary>Builds the label values of <paramref name="service"/>.</summary>
    public ServiceLabels(DiscoveredService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        Service = service;
    }

    /// <summary>The service.</summary>
    public DiscoveredService Service { get; }

    /// <summary>The Prometheus <c>job</c>.</summary>
    public string Job => Service.Job;
}

/// <summary>
/// The metrics <c>beyla.ebpf</c> exposes, in a prometheus-net registry of its own: Beyla's HTTP RED histograms with its
/// names, default labels and buckets, <c>target_info</c>, and the internal <c>beyla_ebpf_lost_events_total</c> and
/// <c>beyla_instrumented_processes</c>. <see cref="Record"/> is the per-event path: label children are cached per
/// distinct label set, so a repeated series costs one dictionary lookup and three histogram observations, no
/// allocation.
/// </summary>
public sealed class BeylaMetrics
{
    /// <summary>Beyla's duration buckets (the OTel HTTP semantic-convention boundaries, with 0 added).</summary>
    public static readonly double[] DurationBuckets = [0, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    /// <summary>Beyla's request and response body size buckets.</summary>
    public static readonly double[] SizeBuckets = [0, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192];

    /// <summary>Selectable HTTP attributes, in label order (OTel names).</summary>
    public static readonly string[] HttpAttributes =
    [
        "http.request.method", "http.response.status_code", "http.route", "url.scheme", "url.path",
        "server.address", "server.port", "client.address",
    ];

    private const int MaxSeries = 100_000;
    private static readonly string[] ServiceLabelNames = ["service_name", "service_namespace", "instance", "job"];
    private static readonly string[] StatusText = [.. Enumerable.Range(0, 600).Select(i => i.ToString(CultureInfo.InvariantCulture))];

    private readonly Side? _server;
    private readonly Side? _client;
    private readonly Gauge _targetInfo;
    private readonly Gauge _instrumentedProcesses;
    private readonly Counter _lostEvents;
    private readonly Dictionary<UInt128, string> _addressText = [];
    private readonly Dictionary<int, string> _portText = [];
    private readonly Dictionary<SeriesKey, Children> _series = [];
    private readonly Dictionary<EventKey, Children> _byEvent = [];

    // The series the last event was counted in, and its key (both under _lock).
    private EventKey _lastKey;
    private Children? _lastChildren;
    private readonly Lock _lock = new();
    private readonly string _hostName;

    /// <summary>Creates the metrics in <paramref name="registry"/>.</summary>
    /// <param name="registry">The component's registry (served on its <c>/metrics</c> route).</param>
    /// <param name="selection">Attribute selection (<c>attributes.select</c>).</param>
    /// <param name="routesEnabled">True when a <c>routes</c> block exists: only then <c>http_route</c> is a default label.</param>
    /// <param name="httpEnabled">False when <c>metrics.instrumentations</c> excludes HTTP: no HTTP metrics are made.</param>
    /// <param name="hostName">The host name for <c>target_info</c>.</param>
    public BeylaMetrics(CollectorRegistry registry, AttributeSelection selection, bool routesEnabled, bool httpEnabled, string hostName)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(selection);
        HttpEnabled = httpEnabled;
        _hostName = hostName;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        HashSet<string> defaults = ["http.request.method", "http.response.status_code", "url.scheme", "server.address", "server.port"];
        if (routesEnabled)
        {
            defaults.Add("http.route");
        }

        if (httpEnabled)
        {
            _server = new Side(factory, "server", selection, defaults);
            _client = new Side(factory, "client", selection, defaults);
        }

        _targetInfo = factory.CreateGauge("target_info", "Target metadata",
            ["host_name", "service_name", "service_namespace", "instance", "job", "telemetry_sdk_language",
             "telemetry_sdk_name", "telemetry_sdk_version", "os_type", "source"]);
        _instrumentedProcesses = factory.CreateGauge("beyla_instrumented_processes",
            "Instrumented processes by process name", ["process_name"]);
        _lostEvents = factory.CreateCounter("beyla_ebpf_lost_events_total",
            "Events the kernel could not hand to user space because the ring buffer was full");
    }

    /// <summary>False when HTTP metrics are disabled by <c>metrics.instrumentations</c>.</summary>
    public bool HttpEnabled { get; }

    /// <summary>The labels the server-side HTTP metrics carry (Prometheus names).</summary>
    public IReadOnlyList<string> ServerLabelNames => _server?.LabelNames ?? [];

    /// <summary>The labels the client-side HTTP metrics carry (Prometheus names).</summary>
    public IReadOnlyList<string> ClientLabelNames => _client?.LabelNames ?? [];

    /// <summary>Counts events lost in the kernel (ring buffer full).</summary>
    public void AddLostEvents(long count)
    {
        if (count > 0)
        {
            _lostEvents.Inc(count);
        }
    }

    /// <summary>Updates <c>target_info</c> and <c>beyla_instrumented_processes</c> after a discovery change.</summary>
    public void OnDiscoveryChanged(DiscoveryChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        foreach (var s in change.Removed)
        {
            _targetInfo.RemoveLabelled(TargetInfoLabels(s));
        }

        foreach (var s in change.Added)
        {
            _targetInfo.WithLabels(TargetInfoLabels(s)).Set(1);
        }

        // Recount per process name: processes come and go, a gauge per name is simplest to keep exact.
        foreach (var labels in _instrumentedProcesses.GetAllLabelValues().ToList())
        {
            _instrumentedProcesses.RemoveLabelled(labels);
        }

        foreach (var group in change.Current.Values.GroupBy(s => Path.GetFileName(s.ExePath)))
        {
            _instrumentedProcesses.WithLabels(group.Key).Set(group.Count());
        }
    }

    private string[] TargetInfoLabels(DiscoveredService s) =>
    [
        _hostName, s.ServiceName, s.ServiceNamespace, s.InstanceId, s.Job, s.SdkLanguage,
        SpanFactory.TelemetrySdkName, SpanFactory.TelemetrySdkVersion, "linux", SpanFactory.TelemetrySdkName,
    ];

    /// <summary>
    /// Observes one request: duration, request body size and response body size, labelled by the service, the
    /// request and <paramref name="route"/> (the routes stage's result).
    /// </summary>
    public void Record(ServiceLabels service, in HttpRequestEvent e, string method, string route)
    {
        ArgumentNullException.ThrowIfNull(service);
        var side = e.Direction == RequestDirection.Server ? _server : _client;
        if (side is null)
        {
            return;
        }

        Children? children;
        if (side.UrlPath)
        {
            // url.path is a string per request: only the label-value key can find its series.
            children = Series(side, service, in e, method, route);
        }
        else
        {
            // The event's own values as they come (strings by reference, addresses as bytes), each included only
            // when its label is selected, so one such key always names the same series; no label text is made.
            ref readonly var serverAddr = ref e.Direction == RequestDirection.Server ? ref e.HostAddress : ref e.PeerAddress;
            ref readonly var clientAddr = ref e.Direction == RequestDirection.Server ? ref e.PeerAddress : ref e.HostAddress;
            var key = new EventKey(
                service,
                side.Method ? method : "",
                side.Route ? route : "",
                side.ServerAddress ? MemoryMarshal.Read<UInt128>(serverAddr) : default,
                side.ClientAddress ? MemoryMarshal.Read<UInt128>(clientAddr) : default,
                e.Direction,
                side.Status ? e.Status : (ushort)0,
                side.ServerPort ? (e.Direction == RequestDirection.Server ? e.HostPort : e.PeerPort) : (ushort)0);
            lock (_lock)
            {
                // Consecutive events mostly belong to one series (the same route, status and peer): the last one found
                // is compared first, which saves hashing the key.
                if (_lastChildren is not null && key.Equals(_lastKey))
                {
                    children = _lastChildren;
                }
                else if (!_byEvent.TryGetValue(key, out children))
                {
                    children = Series(side, service, in e, method, route);
                    if (children is null)
                    {
                        return;
                    }

                    if (_byEvent.Count >= MaxSeries)
                    {
                        _byEvent.Clear(); // other string instances of the same values: bounded, refilled on use
                    }

                    _byEvent.Add(key, children);
                }

                _lastKey = key;
                _lastChildren = children;
            }
        }

        if (children is null)
        {
            return;
        }

        // Exemplar.None: the reader thread has no trace context, so the default exemplar (from Activity.Current)
        // would be empty anyway; passing none skips looking for it on every observation.
        children.Duration.Observe(e.DurationSeconds, Exemplar.None);
        children.RequestSize.Observe(e.RequestBodySize, Exemplar.None);
        children.ResponseSize.Observe(e.ResponseBodySize, Exemplar.None);
    }

    // The series of the event's label values, made on first use; null past the cardinality guard.
    private Children? Series(Side side, ServiceLabels service, in HttpRequestEvent e, string method, string route)
    {
        // Server spans: server.* is the local end. Client spans: server.* is the remote end.
        ref readonly var serverAddr = ref e.Direction == RequestDirection.Server ? ref e.HostAddress : ref e.PeerAddress;
        var serverPort = e.Direction == RequestDirection.Server ? e.HostPort : e.PeerPort;
        var key = new SeriesKey(
            service,
            e.Direction,
            side.Method ? method : "",
            side.Status ? e.Status : (ushort)0,
            side.Route ? route : "",
            side.ServerAddress ? AddressText(serverAddr) : "",
            side.ServerPort ? serverPort : (ushort)0,
            side.ClientAddress ? AddressText(e.Direction == RequestDirection.Server ? e.PeerAddress : e.HostAddress) : "",
            side.UrlPath ? UrlPath(in e) : "");

        lock (_lock)
        {
            if (!_series.TryGetValue(key, out var children))
            {
                if (_series.Count >= MaxSeries)
                {
                    return null; // a cardinality guard: never grow without bound on hostile traffic
                }

                children = side.CreateChildren(key);
                _series.Add(key, children);
            }

            return children;
        }
    }

    private static string UrlPath(in HttpRequestEvent e) =>
        HttpRequestParser.TryParseRequestLine(e.RequestBytes, out var line) ? System.Text.Encoding.UTF8.GetString(line.Path) : "";

    private string AddressText(in Ip6Bytes address)
    {
        var key = System.Runtime.InteropServices.MemoryMarshal.Read<UInt128>(address);
        lock (_lock)
        {
            if (!_addressText.TryGetValue(key, out var text))
            {
                var ip = new IPAddress((ReadOnlySpan<byte>)address);
                text = (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString();
                if (_addressText.Count > 65536)
                {
                    _addressText.Clear();
                }

                _addressText[key] = text;
            }

            return text;
        }
    }

    /// <summary>The label value text of a port.</summary>
    internal string PortText(int port)
    {
        lock (_lock)
        {
            if (!_portText.TryGetValue(port, out var text))
            {
                text = port.ToString(CultureInfo.InvariantCulture);
                _portText[port] = text;
            }

            return text;
        }
    }

    private static string Status(ushort status) => status < StatusText.Length ? StatusText[status] : status.ToString(CultureInfo.InvariantCulture);

    private readonly record struct SeriesKey(
        ServiceLabels Service, RequestDirection Direction, string Method, ushort Status, string Route,
        string ServerAddress, ushort ServerPort, string ClientAddress, string UrlPath);

    /// <summary>
    /// A series as the event names it: strings compared by reference (the method and route strings come from the
    /// parser's and the route classifier's own instances), addresses as their 16 bytes.
    /// </summary>
    private readonly struct EventKey(
        ServiceLabels service, string method, string route, UInt128 serverAddress, UInt128 clientAddress,
        RequestDirection direction, ushort status, ushort serverPort) : IEquatable<EventKey>
    {
        private readonly ServiceLabels _service = service;
        private readonly string _method = method;
        private readonly string _route = route;
        private readonly UInt128 _serverAddress = serverAddress;
        private readonly UInt128 _clientAddress = clientAddress;
        private readonly int _small = ((int)direction << 16 | status) ^ (serverPort << 20);
        private readonly ushort _status = status;
        private readonly ushort _serverPort = serverPort;
        private readonly RequestDirection _direction = direction;

        public bool Equals(EventKey other) =>
            ReferenceEquals(_service, other._service) && ReferenceEquals(_method, other._method) &&
            ReferenceEquals(_route, other._route) && _serverAddress == other._serverAddress &&
            _clientAddress == other._clientAddress && _status == other._status && _serverPort == other._serverPort &&
            _direction == other._direction;

        public override bool Equals(object? obj) => obj is EventKey other && Equals(other);

        public override int GetHashCode() => HashCode.Combine(
            RuntimeHelpers.GetHashCode(_service), RuntimeHelpers.GetHashCode(_method), RuntimeHelpers.GetHashCode(_route),
            _serverAddress.GetHashCode(), _clientAddress.GetHashCode(), _small);
    }

    private sealed record Children(Histogram.Child Duration, Histogram.Child RequestSize, Histogram.Child ResponseSize);

    /// <summary>The three histograms of one side (server or client) and which optional labels they carry.</summary>
    private sealed class Side
    {
        private readonly Histogram _duration;
        private readonly Histogram _requestSize;
        private readonly Histogram _responseSize;
        private readonly List<Func<SeriesKey, string>> _values = [];

        public Side(MetricFactory factory, string side, AttributeSelection selection, HashSet<string> defaults)
        {
            var durationName = $"http_{side}_request_duration_seconds";
            var selected = selection.Select(durationName, HttpAttributes, defaults);
            Method = selected.Contains("http.request.method");
            Status = selected.Contains("http.response.status_code");
            Route = selected.Contains("http.route");
            UrlPath = selected.Contains("url.path");
            ServerAddress = selected.Contains("server.address");
            ServerPort = selected.Contains("server.port");
            ClientAddress = selected.Contains("client.address");
            Scheme = selected.Contains("url.scheme");

            var names = new List<string>(ServiceLabelNames);
            _values.Add(k => k.Service.Service.ServiceName);
            _values.Add(k => k.Service.Service.ServiceNamespace);
            _values.Add(k => k.Service.Service.InstanceId);
            _values.Add(k => k.Service.Job);
            foreach (var attr in selected)
            {
                names.Add(attr.Replace('.', '_'));
                _values.Add(attr switch
                {
                    "http.request.method" => k => k.Method,
                    "http.response.status_code" => k => BeylaMetrics.Status(k.Status),
                    "http.route" => k => k.Route,
                    "url.scheme" => _ => "http",
                    "url.path" => k => k.UrlPath,
                    "server.address" => k => k.ServerAddress,
                    "server.port" => k => k.ServerPort.ToString(CultureInfo.InvariantCulture),
                    _ => k => k.ClientAddress,
                });
            }

            LabelNames = names;
            var labels = names.ToArray();
            _duration = factory.CreateHistogram(durationName, $"Duration of HTTP {side} requests",
                labels, new HistogramConfiguration { Buckets = DurationBuckets });
            _requestSize = factory.CreateHistogram($"http_{side}_request_body_size_bytes", $"Size of HTTP {side} request bodies",
                labels, new HistogramConfiguration { Buckets = SizeBuckets });
            _responseSize = factory.CreateHistogram($"http_{side}_response_body_size_bytes", $"Size of HTTP {side} response bodies",
                labels, new HistogramConfiguration { Buckets = SizeBuckets });
        }

        public IReadOnlyList<string> LabelNames { get; }

        public bool Method { get; }

        public bool Status { get; }

        public bool Route { get; }

        public bool UrlPath { get; }

        public bool ServerAddress { get; }

        public bool ServerPort { get; }

        public bool ClientAddress { get; }

        public bool Scheme { get; }

        public Children CreateChildren(SeriesKey key)
        {
            var values = _values.Select(v => v(key)).ToArray();
            return new Children(_duration.WithLabels(values), _requestSize.WithLabels(values), _responseSize.WithLabels(values));
        }
    }
}
