using System.Net;
using Prometheus;
using River.Components.Beyla.Discovery;
using River.Components.Beyla.Metrics;
using River.Components.Beyla.SpanMetrics;

namespace River.Components.Beyla.ServiceGraph;

/// <summary>
/// The <c>application_service_graph</c> feature: edges client → server built from HTTP spans.
/// <list type="bullet">
/// <item>A client span observes <c>traces_service_graph_request_client_seconds</c>. Its server is the instrumented
/// service listening on the peer port, else the peer address. When the server is not instrumented here, the
/// client span also counts the request (<c>_request_total</c>, <c>_request_failed_total</c>), since no server span
/// will.</item>
/// <item>A server span observes <c>traces_service_graph_request_server_seconds</c> and counts the request. Its
/// client is found by pairing with the client span of the same connection (the client's local address and port
/// are the server's peer): the server side usually completes first, so an unpaired server span waits up to
/// <see cref="PairingWait"/> before being reported with the peer address as its client.</item>
/// </list>
/// Edges from a service to itself are dropped unless <c>allow_service_graph_self_references</c> is set.
/// </summary>
public sealed class ServiceGraphRecorder : IRequestObserver
{
    /// <summary>How long a server span waits for its client span.</summary>
    public static readonly TimeSpan PairingWait = TimeSpan.FromSeconds(3);

    private static readonly string[] LabelNames =
        ["client", "client_service_namespace", "server", "server_service_namespace", "source", "connection_type"];

    private readonly Histogram _clientSeconds;
    private readonly Histogram _serverSeconds;
    private readonly Counter _total;
    private readonly Counter _failed;
    private readonly bool _allowSelf;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, DiscoveredService> _byPort = [];
    private readonly Dictionary<Endpoint, (DiscoveredService Service, DateTime Seen)> _clientConnections = [];
    private readonly List<PendingServer> _pending = [];

    /// <summary>Registers the metrics in <paramref name="registry"/>.</summary>
    public ServiceGraphRecorder(CollectorRegistry registry, bool allowSelfReferences)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _allowSelf = allowSelfReferences;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _clientSeconds = factory.CreateHistogram("traces_service_graph_request_client_seconds",
            "Request durations seen by the client side of an edge",
            new HistogramConfiguration { LabelNames = LabelNames, Buckets = BeylaMetrics.DurationBuckets });
        _serverSeconds = factory.CreateHistogram("traces_service_graph_request_server_seconds",
            "Request durations seen by the server side of an edge",
            new HistogramConfiguration { LabelNames = LabelNames, Buckets = BeylaMetrics.DurationBuckets });
        _total = factory.CreateCounter("traces_service_graph_request_total", "Requests between two services", LabelNames);
        _failed = factory.CreateCounter("traces_service_graph_request_failed_total", "Failed requests between two services", LabelNames);
    }

    /// <summary>Server spans waiting for their client span.</summary>
    public int Pending
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Follows discovery: which instrumented service listens on which port.</summary>
    public void OnDiscoveryChanged(DiscoveryChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_lock)
        {
            _byPort.Clear();
            foreach (var s in change.Current.Values)
            {
                foreach (var port in s.Ports)
                    _byPort[port] = s;
            }
        }
    }

    /// <inheritdoc/>
    public void Observe(DiscoveredService service, in HttpRequestEvent request, string method, string route)
    {
        ArgumentNullException.ThrowIfNull(service);
        var failed = SpanMetricsRecorder.StatusCode(request.Direction == RequestDirection.Server, request.Status) == "STATUS_CODE_ERROR";
        lock (_lock)
        {
            if (request.Direction == RequestDirection.Client)
            {
                // The connection's client end, as the server will see it as its peer.
                _clientConnections[new Endpoint(Key(request.HostAddress), request.HostPort)] = (service, DateTime.UtcNow);
                var server = _byPort.GetValueOrDefault(request.PeerPort);
                var labels = Labels(service.ServiceName, service.ServiceNamespace,
                    server?.ServiceName ?? request.GetPeerAddress().ToString(), server?.ServiceNamespace ?? "");
                if (labels is null)
                    return;
                _clientSeconds.WithLabels(labels).Observe(request.DurationSeconds);
                if (server is null)
                    Count(labels, failed);
                Resolve(DateTime.UtcNow);
            }
            else
            {
                _pending.Add(new PendingServer(service, new Endpoint(Key(request.PeerAddress), request.PeerPort),
                    request.GetPeerAddress(), request.DurationSeconds, failed, DateTime.UtcNow));
                Resolve(DateTime.UtcNow);
            }
        }
    }

    /// <summary>Reports the server spans whose client span arrived, and those that waited long enough.</summary>
    public void Flush(DateTime now)
    {
        lock (_lock)
        {
            Resolve(now);
            // Client connections are remembered for a while after their last request: long enough for the
            // server span of the same connection to pair.
            List<Endpoint>? stale = null;
            foreach (var (endpoint, entry) in _clientConnections)
            {
                if (now - entry.Seen > 10 * PairingWait)
                    (stale ??= []).Add(endpoint);
            }

            foreach (var e in stale ?? [])
                _clientConnections.Remove(e);
        }
    }

    private void Resolve(DateTime now)
    {
        for (var i = 0; i < _pending.Count; i++)
        {
            var p = _pending[i];
            string client, clientNamespace;
            if (_clientConnections.TryGetValue(p.Peer, out var c))
            {
                (client, clientNamespace) = (c.Service.ServiceName, c.Service.ServiceNamespace);
            }
            else if (now - p.Arrived >= PairingWait)
            {
                (client, clientNamespace) = (p.PeerAddress.ToString(), "");
            }
            else
            {
                continue;
            }

            _pending.RemoveAt(i--);
            if (Labels(client, clientNamespace, p.Service.ServiceName, p.Service.ServiceNamespace) is not { } labels)
                continue;
            _serverSeconds.WithLabels(labels).Observe(p.DurationSeconds);
            Count(labels, p.Failed);
        }
    }

    private string[]? Labels(string client, string clientNamespace, string server, string serverNamespace) =>
        !_allowSelf && client == server && clientNamespace == serverNamespace
            ? null
            : [client, clientNamespace, server, serverNamespace, SpanFactory.TelemetrySdkName, ""];

    private void Count(string[] labels, bool failed)
    {
        _total.WithLabels(labels).Inc();
        if (failed)
            _failed.WithLabels(labels).Inc();
    }

    private static UInt128 Key(Ip6Bytes address) => System.Runtime.InteropServices.MemoryMarshal.Read<UInt128>((ReadOnlySpan<byte>)address);

    private readonly record struct Endpoint(UInt128 Address, ushort Port);

    private sealed record PendingServer(DiscoveredService Service, Endpoint Peer, IPAddress PeerAddress, double DurationSeconds, bool Failed, DateTime Arrived);
}
