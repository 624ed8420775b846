using System.Net;
using BenchmarkDotNet.Attributes;
using Prometheus;
using River.Components.Beyla;
using River.Components.Beyla.Discovery;
using River.Components.Beyla.Ebpf.Native;
using River.Components.Beyla.Routes;

namespace River.Benchmarks.Beyla;

/// <summary>
/// The per-event user-space path of beyla.ebpf over a recorded mix of requests: request-line parsing, route matching
/// (patterns and the cached heuristic), label-child lookup and three histogram observations. Goal: under 1 µs and no
/// allocation per event. Traces are off here (span building allocates by nature: it makes protobuf messages).
/// </summary>
[MemoryDiagnoser]
public class BeylaEventPathBenchmarks
{
    private static readonly string[] Recorded =
    [
        "GET /users/42 HTTP/1.1\r\nHost: shop\r\nUser-Agent: wrk\r\n\r\n",
        "GET /users/43/orders HTTP/1.1\r\nHost: shop\r\n\r\n",
        "POST /api/v1/orders HTTP/1.1\r\nHost: shop\r\nContent-Length: 120\r\n\r\n",
        "GET /static/app.js HTTP/1.1\r\nHost: shop\r\n\r\n",
        "GET /products/8f14e45fceea167a/reviews?page=2 HTTP/1.1\r\nHost: shop\r\n\r\n",
        "DELETE /users/42/sessions/7 HTTP/1.1\r\nHost: shop\r\n\r\n",
        "GET /health HTTP/1.1\r\nHost: shop\r\n\r\n",
        "PUT /api/v1/orders/1234 HTTP/1.1\r\nHost: shop\r\n\r\n",
    ];

    private static readonly ushort[] Statuses = [200, 200, 201, 304, 200, 204, 200, 500];

    private HttpRequestEvent[] _events = [];
    private HttpEventNative[] _requests = [];
    private HttpResponseNative[] _responses = [];
    private PendingRequests _pending = null!;
    private uint _seq;
    private HttpRequestEvent _event;
    private BeylaTracer _tracer = null!;
    private RouteClassifier _routes = null!;

    /// <summary>Builds the tracer and the recorded events, and warms the caches as a running tracer would be.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var args = new BeylaArguments
        {
            Routes = new RoutesBlock { Patterns = ["/users/{id}", "/users/{id}/orders", "/api/v1/orders"], IgnorePatterns = ["/health"] },
        };
        _tracer = new BeylaTracer(args, Metrics.NewCustomRegistry(), "benchhost", tracesEnabled: false, 0);
        _routes = new RouteClassifier(args.Routes);
        var service = new DiscoveredService(4242, 1, "shop", "", "benchhost:4242", "/usr/bin/shop", "shop", [8080], "generic",
            new Dictionary<string, string>());
        var selected = new Dictionary<int, DiscoveredService> { [4242] = service };
        _tracer.OnDiscoveryChanged(new DiscoveryChange(selected, [service], []));
        _events = new HttpRequestEvent[Recorded.Length];
        for (var i = 0; i < Recorded.Length; i++)
        {
            _events[i] = HttpRequestEvent.Create(4242, RequestDirection.Server, Recorded[i], Statuses[i],
                1_000_000_000UL + ((ulong)i * 1000), 1_000_000_000UL + ((ulong)i * 1000) + 3_000_000UL,
                IPAddress.Parse("10.0.0.5"), 8080, IPAddress.Parse("10.0.0.9"), (ushort)(50000 + i), 64, 512);
        }

        foreach (var e in _events)
        {
            _tracer.Process(in e);
        }

        // The same requests as the kernel sends them: a request record, then a response record naming it.
        _pending = new PendingRequests(8192);
        _requests = new HttpEventNative[Recorded.Length];
        _responses = new HttpResponseNative[Recorded.Length];
        for (var i = 0; i < Recorded.Length; i++)
        {
            var bytes = System.Text.Encoding.ASCII.GetBytes(Recorded[i]);
            _requests[i] = new HttpEventNative
            {
                Kind = HttpEventNative.KindRequest,
                Direction = HttpEventNative.DirectionServer,
                Family = 2,
                Tgid = 4242,
                ConnectionId = 77,
                StartNs = _events[i].StartNs,
                RequestLength = (uint)bytes.Length,
                BufferLength = (ushort)bytes.Length,
                LocalPort = 8080,
                RemotePort = 50000,
            };
            bytes.CopyTo((Span<byte>)_requests[i].Buffer);
            _responses[i] = new HttpResponseNative
            {
                Kind = HttpEventNative.KindResponse,
                Status = Statuses[i],
                ConnectionId = 77,
                EndNs = _events[i].EndNs,
                ResponseLength = 512,
            };
        }
    }

    /// <summary>The whole per-event path, one event per operation.</summary>
    [Benchmark(OperationsPerInvoke = 8)]
    public int ProcessEvent()
    {
        var accepted = 0;
        var events = _events;
        for (var i = 0; i < events.Length; i++)
        {
            if (_tracer.Process(in events[i]))
            {
                accepted++;
            }
        }

        return accepted;
    }

    /// <summary>
    /// The whole per-request path from the kernel's records: a request record held in <see cref="PendingRequests"/>,
    /// its response record pairing it and converting it into the reader's reused event (as
    /// <c>EbpfHttpEventSource</c> does), and processing.
    /// </summary>
    [Benchmark(OperationsPerInvoke = 8)]
    public int PairAndProcess()
    {
        var accepted = 0;
        for (var i = 0; i < _requests.Length; i++)
        {
            var seq = _seq++;
            _requests[i].Seq = seq;
            _pending.TryAdd(in _requests[i]);
            _responses[i].Seq = seq;
            ref readonly var response = ref _responses[i];
            _pending.DropAnsweredBefore(response.ConnectionId, seq);
            if (_pending.TryComplete(in response, ref _event) && _tracer.Process(in _event))
            {
                accepted++;
            }
        }

        return accepted;
    }

    /// <summary>Request-line parsing and route classification only.</summary>
    [Benchmark(OperationsPerInvoke = 8)]
    public int ClassifyRoute()
    {
        var total = 0;
        var events = _events;
        for (var i = 0; i < events.Length; i++)
        {
            if (HttpRequestParser.TryParseRequestLine(events[i].RequestBytes, out var line))
            {
                total += _routes.Classify(line.Path).Route.Length;
            }
        }

        return total;
    }
}
