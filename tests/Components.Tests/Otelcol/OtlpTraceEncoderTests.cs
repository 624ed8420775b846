using System.Buffers;
using Google.Protobuf;
using River.Components.Otelcol.Exporter.Otlp;
using River.Components.Telemetry.Otlp.Collector.Trace;
using River.Components.Telemetry.Otlp.Common;
using River.Components.Telemetry.Otlp.Resource;
using River.Components.Telemetry.Otlp.Trace;
using River.Components.Telemetry.Traces;
using Span = River.Components.Telemetry.Otlp.Trace.Span;

namespace River.Tests.Otelcol;

/// <summary>
/// River's OTLP trace encoder against Google.Protobuf's generated serializer (what the exporter used before): the bytes
/// must be identical, and they must parse back to the message that was encoded.
/// </summary>
public sealed class OtlpTraceEncoderTests
{
    [Fact]
    public void ARequestWithEveryFieldEncodesToExactlyTheBytesOfTheGeneratedSerializer()
    {
        var request = EveryField();

        var bytes = OtlpTraceEncoder.ToByteArray(request);

        Assert.Equal(request.ToByteArray(), bytes);
        Assert.Equal(request, ExportTraceServiceRequest.Parser.ParseFrom(bytes));
    }

    [Fact]
    public void AnEmptyRequestEncodesToNoBytes()
    {
        Assert.Empty(OtlpTraceEncoder.ToByteArray(new ExportTraceServiceRequest()));
    }

    [Fact]
    public void DefaultsInsideAOneofAndEmptyMessagesAreWrittenAsTheGeneratedSerializerWritesThem()
    {
        // A oneof holding its type's default is still present on the wire; an empty but set message is a zero-length
        // field; a KeyValue without a value and an AnyValue without a case have no field for it.
        var scope = new ScopeSpans { Scope = new InstrumentationScope() };
        scope.Spans.Add(new Span
        {
            Status = new Status(),
            Attributes =
            {
                new KeyValue { Key = "empty-string", Value = new AnyValue { StringValue = string.Empty } },
                new KeyValue { Key = "false", Value = new AnyValue { BoolValue = false } },
                new KeyValue { Key = "zero", Value = new AnyValue { IntValue = 0 } },
                new KeyValue { Key = "zero-double", Value = new AnyValue { DoubleValue = 0 } },
                new KeyValue { Key = "no-bytes", Value = new AnyValue { BytesValue = ByteString.Empty } },
                new KeyValue { Key = "empty-array", Value = new AnyValue { ArrayValue = new ArrayValue() } },
                new KeyValue { Key = "empty-map", Value = new AnyValue { KvlistValue = new KeyValueList() } },
                new KeyValue { Key = "unset", Value = new AnyValue() },
                new KeyValue { Key = "no-value" },
                new KeyValue(),
            },
            Events = { new Span.Types.Event() },
            Links = { new Span.Types.Link() },
        });
        var request = new ExportTraceServiceRequest { ResourceSpans = { new ResourceSpans { Resource = new Resource(), ScopeSpans = { scope, new ScopeSpans() } }, new ResourceSpans() } };

        var bytes = OtlpTraceEncoder.ToByteArray(request);

        Assert.Equal(request.ToByteArray(), bytes);
        Assert.Equal(request, ExportTraceServiceRequest.Parser.ParseFrom(bytes));
    }

    [Fact]
    public void RandomRequestsOfEveryShapeEncodeToTheBytesOfTheGeneratedSerializer()
    {
        // Seeded, so a failure reproduces; the shapes cover long and non-ASCII strings (multi-byte lengths), negative
        // integers and enums (ten-byte varints), deep nesting and large counts.
        var random = new Random(20261125);
        for (var round = 0; round < 200; round++)
        {
            var request = RandomRequest(random);

            var bytes = OtlpTraceEncoder.ToByteArray(request);

            Assert.Equal(request.ToByteArray(), bytes);
            Assert.Equal(request, ExportTraceServiceRequest.Parser.ParseFrom(bytes));
        }
    }

    [Fact]
    public void WritingToABufferWriterGivesTheSameBytesAsWritingToAnArray()
    {
        var request = EveryField();
        var output = new ArrayBufferWriter<byte>(1);

        var written = OtlpTraceEncoder.Rent().Write(request, output);

        Assert.Equal(written, output.WrittenCount);
        Assert.Equal(request.ToByteArray(), output.WrittenSpan.ToArray());
    }

    [Fact]
    public void ARequestChangedBetweenMeasureAndWriteIsRefusedWithAClearError()
    {
        var request = EveryField();
        var encoder = OtlpTraceEncoder.Rent();
        var buffer = new byte[encoder.Measure(request) + 1024];
        request.ResourceSpans[0].ScopeSpans[0].Spans.RemoveAt(0);

        var error = Assert.Throws<InvalidOperationException>(() => encoder.Write(request, buffer));
        Assert.Contains("changed between Measure and Write", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheGrpcExportMarshallerHandsTheGrpcLayerTheEncodedBytesWithTheirLengthAnnouncedFirst()
    {
        var request = EveryField();
        var context = new CapturingSerializationContext();

        GrpcTraceSender.ExportMethod.RequestMarshaller.ContextualSerializer(request, context);

        Assert.Equal(request.ToByteArray().Length, context.PayloadLength);
        Assert.True(context.Completed);
        Assert.Equal(request.ToByteArray(), context.Written.WrittenSpan.ToArray());
    }

    private static ExportTraceServiceRequest EveryField()
    {
        var span = new Span
        {
            TraceId = ByteString.CopyFrom(Enumerable.Range(1, 16).Select(i => (byte)i).ToArray()),
            SpanId = ByteString.CopyFrom([1, 2, 3, 4, 5, 6, 7, 8]),
            TraceState = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
            ParentSpanId = ByteString.CopyFrom([8, 7, 6, 5, 4, 3, 2, 1]),
            Flags = 0x301,
            Name = "GET /api/items/{id}",
            Kind = Span.Types.SpanKind.Client,
            StartTimeUnixNano = 1_700_000_000_000_000_000UL,
            EndTimeUnixNano = 1_700_000_000_123_456_789UL,
            DroppedAttributesCount = 3,
            DroppedEventsCount = 300,
            DroppedLinksCount = 70_000,
            Status = new Status { Code = Status.Types.StatusCode.Error, Message = "upstream returned 503 — Service Unavailable" },
            Events =
            {
                new Span.Types.Event { TimeUnixNano = 1_700_000_000_050_000_000UL, Name = "exception", DroppedAttributesCount = 1, Attributes = { Attr("exception.type", "System.IO.IOException") } },
            },
            Links =
            {
                new Span.Types.Link
                {
                    TraceId = ByteString.CopyFrom(new byte[16]),
                    SpanId = ByteString.CopyFrom([9, 9, 9, 9, 9, 9, 9, 9]),
                    TraceState = "k=v",
                    Flags = 1,
                    DroppedAttributesCount = 2,
                    Attributes = { Attr("link.kind", "follows") },
                },
            },
        };
        span.Attributes.Add(Attr("string", "héllo wörld ✓ 𝄞"));
        span.Attributes.Add(new KeyValue { Key = "bool", Value = new AnyValue { BoolValue = true } });
        span.Attributes.Add(new KeyValue { Key = "int", Value = new AnyValue { IntValue = -42 } });
        span.Attributes.Add(new KeyValue { Key = "big", Value = new AnyValue { IntValue = long.MaxValue } });
        span.Attributes.Add(new KeyValue { Key = "double", Value = new AnyValue { DoubleValue = -3.25e-7 } });
        span.Attributes.Add(new KeyValue { Key = "bytes", Value = new AnyValue { BytesValue = ByteString.CopyFrom([0, 255, 128]) } });
        span.Attributes.Add(new KeyValue
        {
            Key = "array",
            Value = new AnyValue { ArrayValue = new ArrayValue { Values = { new AnyValue { StringValue = "a" }, new AnyValue { IntValue = 1 }, new AnyValue { ArrayValue = new ArrayValue { Values = { new AnyValue { BoolValue = false } } } } } } },
        });
        span.Attributes.Add(new KeyValue
        {
            Key = "map",
            Value = new AnyValue { KvlistValue = new KeyValueList { Values = { Attr("inner", "value"), new KeyValue { Key = "nested", Value = new AnyValue { KvlistValue = new KeyValueList { Values = { Attr("x", "y") } } } } } } },
        });
        span.Attributes.Add(Attr("long", new string('x', 300)));

        var scope = new ScopeSpans
        {
            Scope = new InstrumentationScope { Name = "river.beyla", Version = "1.2.3", DroppedAttributesCount = 5, Attributes = { Attr("scope.attr", "s") } },
            SchemaUrl = "https://opentelemetry.io/schemas/1.26.0",
            Spans = { span, new Span { Name = "minimal" } },
        };
        return new ExportTraceServiceRequest
        {
            ResourceSpans =
            {
                new ResourceSpans
                {
                    Resource = new Resource { DroppedAttributesCount = 9, Attributes = { Attr("service.name", "checkout"), Attr("host.name", "node-1") } },
                    SchemaUrl = "https://opentelemetry.io/schemas/1.24.0",
                    ScopeSpans = { scope },
                },
            },
        };
    }

    private static KeyValue Attr(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    private static ExportTraceServiceRequest RandomRequest(Random random)
    {
        var request = new ExportTraceServiceRequest();
        for (var r = random.Next(0, 3); r >= 0; r--)
        {
            var resource = new ResourceSpans { SchemaUrl = RandomString(random), Resource = random.Next(4) == 0 ? null : new Resource { Attributes = { RandomAttributes(random, 0) } } };
            for (var s = random.Next(0, 3); s >= 0; s--)
            {
                var scope = new ScopeSpans { SchemaUrl = RandomString(random), Scope = random.Next(4) == 0 ? null : new InstrumentationScope { Name = RandomString(random), Version = RandomString(random) } };
                for (var n = random.Next(0, 40); n > 0; n--)
                {
                    scope.Spans.Add(RandomSpan(random));
                }

                resource.ScopeSpans.Add(scope);
            }

            request.ResourceSpans.Add(resource);
        }

        return request;
    }

    private static Span RandomSpan(Random random)
    {
        var span = new Span
        {
            TraceId = RandomBytes(random, 16),
            SpanId = RandomBytes(random, 8),
            ParentSpanId = random.Next(2) == 0 ? ByteString.Empty : RandomBytes(random, 8),
            TraceState = RandomString(random),
            Name = RandomString(random),
            Kind = (Span.Types.SpanKind)random.Next(-1, 6),
            StartTimeUnixNano = (ulong)random.NextInt64(),
            EndTimeUnixNano = random.Next(3) == 0 ? 0 : (ulong)random.NextInt64(),
            Flags = random.Next(2) == 0 ? 0 : (uint)random.Next(),
            DroppedAttributesCount = (uint)random.Next(3) * (uint)random.Next(),
            Status = random.Next(3) == 0 ? null : new Status { Code = (Status.Types.StatusCode)random.Next(-2, 3), Message = RandomString(random) },
        };
        span.Attributes.Add(RandomAttributes(random, 0));
        for (var e = random.Next(0, 3); e > 0; e--)
        {
            span.Events.Add(new Span.Types.Event { Name = RandomString(random), TimeUnixNano = (ulong)random.NextInt64(), Attributes = { RandomAttributes(random, 1) } });
        }

        for (var l = random.Next(0, 2); l > 0; l--)
        {
            span.Links.Add(new Span.Types.Link { TraceId = RandomBytes(random, 16), SpanId = RandomBytes(random, 8), Flags = (uint)random.Next(0, 3), Attributes = { RandomAttributes(random, 1) } });
        }

        return span;
    }

    private static IEnumerable<KeyValue> RandomAttributes(Random random, int depth)
    {
        for (var i = random.Next(0, 8); i > 0; i--)
        {
            yield return new KeyValue { Key = RandomString(random), Value = RandomValue(random, depth) };
        }
    }

    private static AnyValue RandomValue(Random random, int depth)
    {
        switch (random.Next(depth > 2 ? 5 : 7))
        {
            case 0: return new AnyValue { StringValue = RandomString(random) };
            case 1: return new AnyValue { BoolValue = random.Next(2) == 0 };
            case 2: return new AnyValue { IntValue = random.Next(2) == 0 ? random.Next(-300, 300) : random.NextInt64(long.MinValue, long.MaxValue) };
            case 3: return new AnyValue { DoubleValue = (random.NextDouble() - 0.5) * 1e12 };
            case 4: return new AnyValue { BytesValue = RandomBytes(random, random.Next(0, 200)) };
            case 5:
                var array = new ArrayValue();
                for (var i = random.Next(0, 4); i > 0; i--)
                {
                    array.Values.Add(RandomValue(random, depth + 1));
                }

                return new AnyValue { ArrayValue = array };
            default:
                return new AnyValue { KvlistValue = new KeyValueList { Values = { RandomAttributes(random, depth + 1) } } };
        }
    }

    private static string RandomString(Random random)
    {
        // Mostly short ASCII; sometimes long, sometimes multi-byte (2-, 3- and 4-byte UTF-8), sometimes empty.
        var length = random.Next(4) switch
        {
            0 => 0,
            1 => random.Next(1, 20),
            2 => random.Next(40, 50),
            _ => random.Next(100, 3000),
        };
        const string alphabet = "abcXYZ019 /{}_.-éü✓中𝄞";
        var chars = new System.Text.StringBuilder(length);
        while (chars.Length < length)
        {
            var pick = random.Next(alphabet.Length - 1);
            if (char.IsHighSurrogate(alphabet[pick]))
            {
                chars.Append(alphabet, pick, 2);
            }
            else if (!char.IsLowSurrogate(alphabet[pick]))
            {
                chars.Append(alphabet[pick]);
            }
        }

        return chars.ToString();
    }

    /// <summary>What Grpc.Net.Client gives a marshaller: a payload length, then a buffer writer, then Complete.</summary>
    private sealed class CapturingSerializationContext : Grpc.Core.SerializationContext
    {
        public int PayloadLength { get; private set; } = -1;

        public bool Completed { get; private set; }

        public ArrayBufferWriter<byte> Written { get; } = new(16);

        public override void SetPayloadLength(int payloadLength) => PayloadLength = payloadLength;

        public override IBufferWriter<byte> GetBufferWriter()
        {
            Assert.True(PayloadLength >= 0, "the length must be announced before writing");
            return Written;
        }

        public override void Complete() => Completed = true;
    }

    private static ByteString RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return ByteString.CopyFrom(bytes);
    }
}
