using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using River.Components.Otelcol.Config;
using River.Components.Otelcol.Exporter.Otlp;
using River.Components.Otelcol.Processor.Batch;
using River.Components.Otelcol.Receiver.Otlp;
using River.Components.Telemetry.Otlp.Collector.Trace;
using River.Components.Telemetry.Otlp.Common;
using River.Components.Telemetry.Otlp.Resource;
using River.Components.Telemetry.Otlp.Trace;
using River.Components.Telemetry.Traces;
using River.Runtime;

namespace River.Benchmarks.Otelcol;

/// <summary>
/// Spans per second through otelcol.processor.batch → otelcol.exporter.otlp (gzip, plaintext gRPC) into an
/// otelcol.receiver.otlp in the same process. One operation = one span; spans/s = 1 / mean.
/// </summary>
[MemoryDiagnoser]
public class OtelcolPipelineBenchmarks
{
    // Constant per invocation so that BenchmarkDotNet reports time per span for every parameter set.
    private const int TotalSpans = 20_000;
    private readonly CancellationTokenSource _cts = new();
    private readonly CountingConsumer _sink = new();
    private ExportTraceServiceRequest[] _requests = [];
    private BatchProcessorComponent _batch = null!;
    private OtlpExporterComponent _exporter = null!;
    private readonly List<Task> _runs = [];

    /// <summary>Spans in each request handed to the batch processor (as a receiver or beyla.ebpf would).</summary>
    [Params(10, 100)]
    public int SpansPerRequest { get; set; }

    /// <summary>Request compression of the exporter.</summary>
    [Params("gzip", "none")]
    public string Compression { get; set; } = "gzip";

    [GlobalSetup]
    public void Setup()
    {
        var grpcPort = FreePort();
        var receiver = new OtlpReceiverComponent(Options("otelcol.receiver.otlp.bench", _ => { }), new OtlpReceiverArguments
        {
            Grpc = new GrpcServerArguments { Endpoint = $"127.0.0.1:{grpcPort}", MaxRecvMsgSize = "64MiB" },
            Output = new OutputArguments { Traces = [_sink] },
        });
        _runs.Add(receiver.RunAsync(_cts.Token));
        receiver.Started.GetAwaiter().GetResult();

        object? exports = null;
        _exporter = new OtlpExporterComponent(Options("otelcol.exporter.otlp.bench", e => exports = e), new OtlpExporterArguments
        {
            Client = new GrpcClientArguments { Endpoint = $"127.0.0.1:{grpcPort}", Compression = Compression, Tls = new TlsArguments { Insecure = true } },
            SendingQueue = new QueueArguments { NumConsumers = 4 },
        });
        _runs.Add(_exporter.RunAsync(_cts.Token));
        _batch = new BatchProcessorComponent(Options("otelcol.processor.batch.bench", _ => { }), new BatchProcessorArguments
        {
            Output = new OutputArguments { Traces = [((ConsumerExports)exports!).Input] },
        });
        _runs.Add(_batch.RunAsync(_cts.Token));
        _requests = new ExportTraceServiceRequest[TotalSpans / SpansPerRequest];
        for (var i = 0; i < _requests.Length; i++)
        {
            _requests[i] = MakeRequest(i, SpansPerRequest);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cts.Cancel();
        Task.WhenAll(_runs).GetAwaiter().GetResult();
        _exporter.Dispose();
    }

    [Benchmark(OperationsPerInvoke = TotalSpans)]
    public async Task SpansThroughBatchAndOtlpExporter()
    {
        var target = Volatile.Read(ref _sink.Spans) + TotalSpans;
        foreach (var request in _requests)
        {
            await _batch.ConsumeTracesAsync(request, CancellationToken.None);
        }

        // 20 000 spans are exactly 10 size-triggered batches of 2000, so the 200 ms timeout never adds a tail.
        while (Volatile.Read(ref _sink.Spans) < target)
        {
            await Task.Delay(1);
        }
    }

    private static ComponentOptions Options(string id, Action<object> onStateChange) => new()
    {
        Id = id,
        Logger = NullLogger.Instance,
        DataPath = Path.Combine(Path.GetTempPath(), "river-bench", id),
        OnStateChange = onStateChange,
        Routes = new NoRoutes(),
        HttpHandler = new SocketsHttpHandler(),
    };

    private static ExportTraceServiceRequest MakeRequest(int n, int spans)
    {
        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "bench", Version = "1" } };
        for (var i = 0; i < spans; i++)
        {
            var id = (n * spans) + i;
            scope.Spans.Add(new Span
            {
                TraceId = ByteString.CopyFrom(Guid.NewGuid().ToByteArray()),
                SpanId = ByteString.CopyFrom(BitConverter.GetBytes((long)id + 1)),
                Name = "GET /api/items/{id}",
                Kind = Span.Types.SpanKind.Server,
                StartTimeUnixNano = 1_700_000_000_000_000_000UL,
                EndTimeUnixNano = 1_700_000_000_002_000_000UL,
                Attributes =
                {
                    new KeyValue { Key = "http.request.method", Value = new AnyValue { StringValue = "GET" } },
                    new KeyValue { Key = "http.route", Value = new AnyValue { StringValue = "/api/items/{id}" } },
                    new KeyValue { Key = "http.response.status_code", Value = new AnyValue { IntValue = 200 } },
                    new KeyValue { Key = "server.address", Value = new AnyValue { StringValue = "10.0.0.12" } },
                },
                Status = new Status { Code = Status.Types.StatusCode.Unset },
            });
        }

        return new ExportTraceServiceRequest
        {
            ResourceSpans =
            {
                new ResourceSpans
                {
                    Resource = new Resource { Attributes = { new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "bench" } } } },
                    ScopeSpans = { scope },
                },
            },
        };
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class CountingConsumer : ITracesConsumer
    {
        public long Spans;

        public ValueTask ConsumeTracesAsync(ExportTraceServiceRequest traces, CancellationToken cancellationToken)
        {
            Interlocked.Add(ref Spans, traces.SpanCount());
            return ValueTask.CompletedTask;
        }
    }

    private sealed class NoRoutes : IRouteRegistrar
    {
        public void MapGet(string relativePath, Func<HttpContext, Task> handler)
        {
        }

        public void MapPost(string relativePath, Func<HttpContext, Task> handler)
        {
        }
    }
}
