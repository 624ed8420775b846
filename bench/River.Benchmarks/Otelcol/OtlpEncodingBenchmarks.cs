using System.Buffers;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using River.Components.Telemetry.Otlp.Collector.Trace;
using River.Components.Telemetry.Otlp.Common;
using River.Components.Telemetry.Otlp.Resource;
using River.Components.Telemetry.Otlp.Trace;
using River.Components.Telemetry.Traces;
using OtlpSpan = River.Components.Telemetry.Otlp.Trace.Span;

namespace River.Benchmarks.Otelcol;

/// <summary>
/// Encoding one 2000-span ExportTraceServiceRequest (the batch the exporter benchmark sends) into a reused buffer:
/// Google.Protobuf's generated serializer (what otelcol.exporter.otlp used before) against River's
/// <see cref="OtlpTraceEncoder"/>. One operation is one span.
/// </summary>
[MemoryDiagnoser]
public class OtlpEncodingBenchmarks
{
    private const int Spans = 2000;
    private ExportTraceServiceRequest _request = null!;
    private ArrayBufferWriter<byte> _buffer = null!;

    [GlobalSetup]
    public void Setup()
    {
        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "bench", Version = "1" } };
        for (var i = 0; i < Spans; i++)
        {
            scope.Spans.Add(new OtlpSpan
            {
                TraceId = ByteString.CopyFrom(Guid.NewGuid().ToByteArray()),
                SpanId = ByteString.CopyFrom(BitConverter.GetBytes((long)i + 1)),
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
            });
        }

        _request = new ExportTraceServiceRequest
        {
            ResourceSpans = { new ResourceSpans { Resource = new Resource { Attributes = { new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "bench" } } } }, ScopeSpans = { scope } } },
        };
        _buffer = new ArrayBufferWriter<byte>(_request.CalculateSize());
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Spans)]
    public int GoogleProtobufGeneratedSerializer()
    {
        // What Grpc.Net.Client's generated-client marshaller does: size the message, then write it.
        _buffer.ResetWrittenCount();
        var size = _request.CalculateSize();
        _request.WriteTo(_buffer.GetSpan(size)[..size]);
        _buffer.Advance(size);
        return size;
    }

    [Benchmark(OperationsPerInvoke = Spans)]
    public int RiverOtlpTraceEncoder()
    {
        _buffer.ResetWrittenCount();
        return OtlpTraceEncoder.Rent().Write(_request, _buffer);
    }
}
