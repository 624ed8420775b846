using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;
using River.Components.Otelcol.Config;
using River.Components.Otelcol.Exporter.Otlp;
using River.Components.Otelcol.Processor.Batch;
using River.Components.Telemetry.Otlp.Collector.Trace;
using River.Components.Telemetry.Otlp.Common;
using River.Components.Telemetry.Otlp.Resource;
using River.Components.Telemetry.Otlp.Trace;
using River.Components.Telemetry.Traces;
using River.Runtime;
using OtlpSpan = River.Components.Telemetry.Otlp.Trace.Span;

namespace River.Benchmarks.Otelcol;

/// <summary>
/// The same 20 000 finished spans sent to the same local OTLP/gRPC collector (<see cref="CountingOtlpCollector"/>,
/// which counts spans on the wire without decoding them, so the exporters' own costs are what differs), once through River's otelcol.processor.batch → otelcol.exporter.otlp and once through the OpenTelemetry .NET
/// SDK's BatchActivityExportProcessor → OtlpTraceExporter (the baseline). Both start from a finished span in memory:
/// an OTLP span for River (what beyla.ebpf produces), a stopped Activity for the SDK (what its processor gets at
/// Activity.Stop). Both batch 2000 spans per request without compression (the SDK exporter has none). One operation is
/// one span; BenchmarkDotNet's Ratio column is a case's time over the SDK's, so a ratio of 0.5 means twice the
/// SDK's spans per second.
/// CPU per span (all threads of the process, the in-process collector's small share included) is printed at the end of
/// each case.
/// </summary>
[MemoryDiagnoser]
public class OtlpExportVsSdkBenchmarks
{
    private const int TotalSpans = 20_000;
    private const int BatchSize = 2000;
    private const int SpansPerRequest = 100;
    private const string SourceName = "River.Benchmarks.Otlp";
    private static readonly ActivitySource Source = new(SourceName);
    private readonly CancellationTokenSource _cts = new();
    private CountingOtlpCollector _collector = null!;
    private readonly List<Task> _runs = [];
    private ExportTraceServiceRequest[] _requests = [];
    private Activity[] _activities = [];
    private BatchProcessorComponent _riverBatch = null!;
    private BatchProcessorComponent _riverGzipBatch = null!;
    private BatchProcessorComponent _riverOneConsumerBatch = null!;
    private readonly List<OtlpExporterComponent> _exporters = [];
    private TracerProvider _sdkProvider = null!;
    private BatchActivityExportProcessor _sdkProcessor = null!;
    private ActivityListener _listener = null!;
    private TimeSpan _cpu;
    private long _spans;

    [GlobalSetup]
    public void Setup()
    {
        var grpcPort = FreePort();
        _collector = CountingOtlpCollector.StartAsync(grpcPort).GetAwaiter().GetResult();
        _riverBatch = RiverPipeline(grpcPort, "none");
        _riverGzipBatch = RiverPipeline(grpcPort, "gzip");
        _riverOneConsumerBatch = RiverPipeline(grpcPort, "none", consumers: 1);

        // The SDK side: a provider only so that the exporter gets its resource (ParentProvider); the benchmark's
        // activities come from a source the provider does not listen to and are handed to the processor directly.
        var exporter = new OtlpTraceExporter(new OtlpExporterOptions { Endpoint = new Uri($"http://127.0.0.1:{grpcPort}"), Protocol = OtlpExportProtocol.Grpc });
        _sdkProcessor = new BatchActivityExportProcessor(exporter, maxQueueSize: TotalSpans * 2, scheduledDelayMilliseconds: 200, exporterTimeoutMilliseconds: 30_000, maxExportBatchSize: BatchSize);
        _sdkProvider = Sdk.CreateTracerProviderBuilder().AddSource("River.Benchmarks.Unused").AddProcessor(_sdkProcessor).Build()!;

        _listener = new ActivityListener
        {
            // A constant, not Source.Name: the listener is asked about Source while Source is being created.
            ShouldListenTo = s => s.Name == SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_listener);

        _requests = new ExportTraceServiceRequest[TotalSpans / SpansPerRequest];
        _activities = new Activity[TotalSpans];
        for (var i = 0; i < _requests.Length; i++)
        {
            _requests[i] = MakeRequest(i, SpansPerRequest);
        }

        for (var i = 0; i < _activities.Length; i++)
        {
            _activities[i] = MakeActivity(i);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_spans > 0)
        {
            Console.WriteLine($"// CPU per span (whole process): {_cpu.TotalMicroseconds / _spans:F2} µs over {_spans} spans");
        }

        _cts.Cancel();
        Task.WhenAll(_runs).GetAwaiter().GetResult();
        foreach (var exporter in _exporters)
        {
            exporter.Dispose();
        }

        _sdkProvider.Dispose();
        _listener.Dispose();
        _collector.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = TotalSpans)]
    public async Task OpenTelemetrySdkBatchProcessorAndOtlpExporter()
    {
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var target = _collector.Spans + TotalSpans;
        foreach (var activity in _activities)
        {
            _sdkProcessor.OnEnd(activity);
        }

        await WaitForAsync(target);
        Account(cpu);
    }

    [Benchmark(OperationsPerInvoke = TotalSpans)]
    public async Task RiverBatchProcessorAndOtlpExporter()
    {
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var target = _collector.Spans + TotalSpans;
        foreach (var request in _requests)
        {
            await _riverBatch.ConsumeTracesAsync(request, CancellationToken.None);
        }

        await WaitForAsync(target);
        Account(cpu);
    }

    [Benchmark(OperationsPerInvoke = TotalSpans)]
    public async Task RiverBatchProcessorAndOtlpExporterWithGzip()
    {
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var target = _collector.Spans + TotalSpans;
        foreach (var request in _requests)
        {
            await _riverGzipBatch.ConsumeTracesAsync(request, CancellationToken.None);
        }

        await WaitForAsync(target);
        Account(cpu);
    }

    /// <summary>
    /// River with one export in flight, as the SDK's processor has: separates the cost of the exporter from the effect of
    /// num_consumers = 10 (ten 200 KB requests sharing one HTTP/2 connection's flow-control window).
    /// </summary>
    [Benchmark(OperationsPerInvoke = TotalSpans)]
    public async Task RiverBatchProcessorAndOtlpExporterWithOneConsumer()
    {
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var target = _collector.Spans + TotalSpans;
        foreach (var request in _requests)
        {
            await _riverOneConsumerBatch.ConsumeTracesAsync(request, CancellationToken.None);
        }

        await WaitForAsync(target);
        Account(cpu);
    }

    private void Account(TimeSpan cpuBefore)
    {
        _cpu += System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        _spans += TotalSpans;
    }

    private async Task WaitForAsync(long target)
    {
        // 20 000 spans are exactly 10 full batches on both sides, so neither waits for a batch timeout.
        while (_collector.Spans < target)
        {
            await Task.Delay(1);
        }
    }

    private BatchProcessorComponent RiverPipeline(int port, string compression, int consumers = 10)
    {
        object? exports = null;
        var exporter = new OtlpExporterComponent(Options($"otelcol.exporter.otlp.{compression}{consumers}", e => exports = e), new OtlpExporterArguments
        {
            Client = new GrpcClientArguments { Endpoint = $"127.0.0.1:{port}", Compression = compression, Tls = new TlsArguments { Insecure = true } },
            SendingQueue = new QueueArguments { NumConsumers = consumers },
        });
        _exporters.Add(exporter);
        _runs.Add(exporter.RunAsync(_cts.Token));
        var batch = new BatchProcessorComponent(Options($"otelcol.processor.batch.{compression}{consumers}", _ => { }), new BatchProcessorArguments
        {
            SendBatchSize = BatchSize,
            SendBatchMaxSize = BatchSize,
            Output = new OutputArguments { Traces = [((ConsumerExports)exports!).Input] },
        });
        _runs.Add(batch.RunAsync(_cts.Token));
        return batch;
    }

    // The same span on both sides: name, kind, times, four attributes, unset status.
    private static OtlpSpan MakeSpan(int id) => new()
    {
        TraceId = ByteString.CopyFrom(Guid.NewGuid().ToByteArray()),
        SpanId = ByteString.CopyFrom(BitConverter.GetBytes((long)id + 1)),
        Name = "GET /api/items/{id}",
        Kind = OtlpSpan.Types.SpanKind.Server,
        StartTimeUnixNano = 1_700_000_000_000_000_000UL,
        EndTimeUnixNano = 1_700_000_000_002_000_000UL,
        Attributes =
        {
            new KeyValue { Key = "http.request.method", Value = new AnyValue { StringValue = "GET" } },
            new KeyValue { Key = "http.route", Value = new AnyValue { StringValue = "/api/items/{id}" } },
            new KeyValue { Key = "http.response.status_code", Value = new AnyValue { IntValue = 200 } },
            new KeyValue { Key = "server.address", Value = new AnyValue { StringValue = "10.0.0.12" } },
        },
    };

    private static Activity MakeActivity(int id)
    {
        var start = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        var activity = Source.StartActivity("GET /api/items/{id}", ActivityKind.Server, default(ActivityContext), startTime: start)!;
        activity.SetTag("http.request.method", "GET");
        activity.SetTag("http.route", "/api/items/{id}");
        activity.SetTag("http.response.status_code", 200);
        activity.SetTag("server.address", "10.0.0.12");
        activity.SetEndTime(start.AddMilliseconds(2 + (id % 2)).UtcDateTime);
        activity.Stop();
        return activity;
    }

    private static ExportTraceServiceRequest MakeRequest(int n, int spans)
    {
        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "bench", Version = "1" } };
        for (var i = 0; i < spans; i++)
        {
            scope.Spans.Add(MakeSpan((n * spans) + i));
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

    private static ComponentOptions Options(string id, Action<object> onStateChange) => new()
    {
        Id = id,
        Logger = NullLogger.Instance,
        DataPath = Path.Combine(Path.GetTempPath(), "river-bench", id),
        OnStateChange = onStateChange,
        Routes = new NoRoutes(),
        HttpHandler = new SocketsHttpHandler(),
    };

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
