using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;
using River.Components.Telemetry.Otlp.Collector.Trace;
using River.Components.Telemetry.Otlp.Common;
using River.Components.Telemetry.Otlp.Resource;
using River.Components.Telemetry.Otlp.Trace;

namespace River.Components.Telemetry.Traces;

/// <summary>
/// Writes an <see cref="ExportTraceServiceRequest"/> in the protobuf wire format, byte for byte what Google.Protobuf's
/// generated <c>WriteTo</c> writes (fields in number order, proto3 defaults omitted, minimal varints), but faster.
/// </summary>
/// <remarks>
/// <para>
/// Why not the generated code: it writes a nested message's length prefix by calling <c>CalculateSize</c> on that
/// message, which walks the whole subtree again, so a leaf (an attribute value, six levels down) is measured once per
/// level above it. This encoder measures every message once, in a first pass that records the sizes in pre-order in a
/// pooled array, and the second pass writes into one contiguous span, reading the sizes back in the same order.
/// </para>
/// <para>
/// Unknown fields (fields a newer sender added that these generated types do not know) are not written, as the
/// OpenTelemetry Collector's pdata drops them too when it re-encodes a request.
/// </para>
/// <para>An instance is not thread-safe; <see cref="Rent"/> hands out one per thread.</para>
/// </remarks>
public sealed class OtlpTraceEncoder
{
    // Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. A tag is (field number << 3) | wire type.
    private const byte TagLen1 = (1 << 3) | 2;
    private const byte TagLen2 = (2 << 3) | 2;
    private const byte TagLen3 = (3 << 3) | 2;
    private const byte TagLen4 = (4 << 3) | 2;
    private const byte TagLen5 = (5 << 3) | 2;
    private const byte TagLen6 = (6 << 3) | 2;
    private const byte TagLen7 = (7 << 3) | 2;

    [ThreadStatic]
    private static OtlpTraceEncoder? _cached;

    // Sizes of the nested messages in pre-order (a message's slot is taken before its children's).
    private int[] _sizes = new int[256];
    private int _count;
    private int _next;

    /// <summary>The encoder of the calling thread (created on first use); do not keep it across awaits.</summary>
    public static OtlpTraceEncoder Rent() => _cached ??= new OtlpTraceEncoder();

    /// <summary>
    /// Measures <paramref name="request"/>: returns its encoded size in bytes and remembers the nested sizes for the
    /// next <see cref="Write(ExportTraceServiceRequest, Span{byte})"/> of the same, unchanged request.
    /// </summary>
    public int Measure(ExportTraceServiceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        _count = 0;
        _next = 0;
        var size = 0;
        var resources = request.ResourceSpans;
        for (var i = 0; i < resources.Count; i++)
        {
            size += 1 + Delimited(MeasureResourceSpans(resources[i]));
        }

        return size;
    }

    /// <summary>
    /// Writes the request last passed to <see cref="Measure"/> into <paramref name="destination"/>, which must hold at
    /// least the measured size; returns the number of bytes written.
    /// </summary>
    public int Write(ExportTraceServiceRequest request, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(request);
        _next = 0;
        var pos = 0;
        var resources = request.ResourceSpans;
        for (var i = 0; i < resources.Count; i++)
        {
            WriteResourceSpans(destination, ref pos, TagLen1, resources[i]);
        }

        if (_next != _count)
        {
            throw new InvalidOperationException("the request changed between Measure and Write");
        }

        return pos;
    }

    /// <summary>Measures and writes <paramref name="request"/> into <paramref name="output"/>; returns the byte count.</summary>
    public int Write(ExportTraceServiceRequest request, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var size = Measure(request);
        var span = output.GetSpan(size);
        if (span.Length >= size)
        {
            Write(request, span);
        }
        else
        {
            // A writer that cannot give one contiguous span of this size: encode aside and copy in pieces.
            var rented = ArrayPool<byte>.Shared.Rent(size);
            try
            {
                Write(request, rented.AsSpan(0, size));
                output.Write(rented.AsSpan(0, size));
                return size;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        output.Advance(size);
        return size;
    }

    /// <summary>Encodes <paramref name="request"/> into a new array (tests, and callers that need a byte[]).</summary>
    public static byte[] ToByteArray(ExportTraceServiceRequest request)
    {
        var encoder = Rent();
        var bytes = new byte[encoder.Measure(request)];
        encoder.Write(request, bytes);
        return bytes;
    }

    // ---- measuring ----

    private int Reserve()
    {
        if (_count == _sizes.Length)
        {
            Array.Resize(ref _sizes, _sizes.Length * 2);
        }

        return _count++;
    }

    private int MeasureResourceSpans(ResourceSpans value)
    {
        var slot = Reserve();
        var size = 0;
        if (value.Resource is { } resource)
        {
            size += 1 + Delimited(MeasureResource(resource));
        }

        var scopes = value.ScopeSpans;
        for (var i = 0; i < scopes.Count; i++)
        {
            size += 1 + Delimited(MeasureScopeSpans(scopes[i]));
        }

        size += StringField(value.SchemaUrl);
        return _sizes[slot] = size;
    }

    private int MeasureResource(Resource value)
    {
        var slot = Reserve();
        var size = MeasureAttributes(value.Attributes);
        size += UInt32Field(value.DroppedAttributesCount);
        return _sizes[slot] = size;
    }

    private int MeasureScopeSpans(ScopeSpans value)
    {
        var slot = Reserve();
        var size = 0;
        if (value.Scope is { } scope)
        {
            size += 1 + Delimited(MeasureScope(scope));
        }

        var spans = value.Spans;
        for (var i = 0; i < spans.Count; i++)
        {
            size += 1 + Delimited(MeasureSpan(spans[i]));
        }

        size += StringField(value.SchemaUrl);
        return _sizes[slot] = size;
    }

    private int MeasureScope(InstrumentationScope value)
    {
        var slot = Reserve();
        var size = StringField(value.Name) + StringField(value.Version);
        size += MeasureAttributes(value.Attributes);
        size += UInt32Field(value.DroppedAttributesCount);
        return _sizes[slot] = size;
    }

    private int MeasureSpan(Span value)
    {
        var slot = Reserve();
        var size = BytesField(value.TraceId) + BytesField(value.SpanId) + StringField(value.TraceState)
            + BytesField(value.ParentSpanId) + StringField(value.Name);
        if (value.Kind != 0)
        {
            size += 1 + EnumSize((int)value.Kind);
        }

        if (value.StartTimeUnixNano != 0)
        {
            size += 9;
        }

        if (value.EndTimeUnixNano != 0)
        {
            size += 9;
        }

        size += MeasureAttributes(value.Attributes);
        size += UInt32Field(value.DroppedAttributesCount);
        var events = value.Events;
        for (var i = 0; i < events.Count; i++)
        {
            size += 1 + Delimited(MeasureEvent(events[i]));
        }

        size += UInt32Field(value.DroppedEventsCount);
        var links = value.Links;
        for (var i = 0; i < links.Count; i++)
        {
            size += 1 + Delimited(MeasureLink(links[i]));
        }

        size += UInt32Field(value.DroppedLinksCount);
        if (value.Status is { } status)
        {
            size += 1 + Delimited(MeasureStatus(status));
        }

        if (value.Flags != 0)
        {
            size += 2 + 4; // field 16 needs a two-byte tag
        }

        return _sizes[slot] = size;
    }

    private int MeasureEvent(Span.Types.Event value)
    {
        var slot = Reserve();
        var size = value.TimeUnixNano != 0 ? 9 : 0;
        size += StringField(value.Name);
        size += MeasureAttributes(value.Attributes);
        size += UInt32Field(value.DroppedAttributesCount);
        return _sizes[slot] = size;
    }

    private int MeasureLink(Span.Types.Link value)
    {
        var slot = Reserve();
        var size = BytesField(value.TraceId) + BytesField(value.SpanId) + StringField(value.TraceState);
        size += MeasureAttributes(value.Attributes);
        size += UInt32Field(value.DroppedAttributesCount);
        if (value.Flags != 0)
        {
            size += 5;
        }

        return _sizes[slot] = size;
    }

    private int MeasureStatus(Status value)
    {
        var slot = Reserve();
        var size = StringField(value.Message);
        if (value.Code != 0)
        {
            size += 1 + EnumSize((int)value.Code);
        }

        return _sizes[slot] = size;
    }

    // Every attribute list has a one-byte tag (fields 1, 3, 4, 9), so the tags cost one byte per element.
    private int MeasureAttributes(Google.Protobuf.Collections.RepeatedField<KeyValue> attributes)
    {
        var size = 0;
        for (var i = 0; i < attributes.Count; i++)
        {
            size += 1 + Delimited(MeasureKeyValue(attributes[i]));
        }

        return size;
    }

    private int MeasureKeyValue(KeyValue value)
    {
        var slot = Reserve();
        var size = StringField(value.Key);
        if (value.Value is { } any)
        {
            size += 1 + Delimited(MeasureAnyValue(any));
        }

        return _sizes[slot] = size;
    }

    private int MeasureAnyValue(AnyValue value)
    {
        var slot = Reserve();

        // A oneof member is written whenever it is the set case, even when it holds its type's default.
        var size = value.ValueCase switch
        {
            AnyValue.ValueOneofCase.StringValue => 1 + Delimited(Utf8Length(value.StringValue)),
            AnyValue.ValueOneofCase.BoolValue => 2,
            AnyValue.ValueOneofCase.IntValue => 1 + VarintSize((ulong)value.IntValue),
            AnyValue.ValueOneofCase.DoubleValue => 9,
            AnyValue.ValueOneofCase.ArrayValue => 1 + Delimited(MeasureArray(value.ArrayValue)),
            AnyValue.ValueOneofCase.KvlistValue => 1 + Delimited(MeasureKeyValueList(value.KvlistValue)),
            AnyValue.ValueOneofCase.BytesValue => 1 + Delimited(value.BytesValue.Length),
            _ => 0,
        };
        return _sizes[slot] = size;
    }

    private int MeasureArray(ArrayValue value)
    {
        var slot = Reserve();
        var size = 0;
        var values = value.Values;
        for (var i = 0; i < values.Count; i++)
        {
            size += 1 + Delimited(MeasureAnyValue(values[i]));
        }

        return _sizes[slot] = size;
    }

    private int MeasureKeyValueList(KeyValueList value)
    {
        var slot = Reserve();
        var size = MeasureAttributes(value.Values);
        return _sizes[slot] = size;
    }

    // ---- writing ----

    private int NextSize() => _sizes[_next++];

    private void WriteResourceSpans(Span<byte> buffer, ref int pos, byte tag, ResourceSpans value)
    {
        WriteHeader(buffer, ref pos, tag, NextSize());
        if (value.Resource is { } resource)
        {
            WriteHeader(buffer, ref pos, TagLen1, NextSize());
            WriteAttributes(buffer, ref pos, TagLen1, resource.Attributes);
            WriteUInt32Field(buffer, ref pos, 2 << 3, resource.DroppedAttributesCount);
        }

        var scopes = value.ScopeSpans;
        for (var i = 0; i < scopes.Count; i++)
        {
            WriteScopeSpans(buffer, ref pos, scopes[i]);
        }

        WriteStringField(buffer, ref pos, TagLen3, value.SchemaUrl);
    }

    private void WriteScopeSpans(Span<byte> buffer, ref int pos, ScopeSpans value)
    {
        WriteHeader(buffer, ref pos, TagLen2, NextSize());
        if (value.Scope is { } scope)
        {
            WriteHeader(buffer, ref pos, TagLen1, NextSize());
            WriteStringField(buffer, ref pos, TagLen1, scope.Name);
            WriteStringField(buffer, ref pos, TagLen2, scope.Version);
            WriteAttributes(buffer, ref pos, TagLen3, scope.Attributes);
            WriteUInt32Field(buffer, ref pos, 4 << 3, scope.DroppedAttributesCount);
        }

        var spans = value.Spans;
        for (var i = 0; i < spans.Count; i++)
        {
            WriteSpan(buffer, ref pos, spans[i]);
        }

        WriteStringField(buffer, ref pos, TagLen3, value.SchemaUrl);
    }

    private void WriteSpan(Span<byte> buffer, ref int pos, Span value)
    {
        WriteHeader(buffer, ref pos, TagLen2, NextSize());
        WriteBytesField(buffer, ref pos, TagLen1, value.TraceId);
        WriteBytesField(buffer, ref pos, TagLen2, value.SpanId);
        WriteStringField(buffer, ref pos, TagLen3, value.TraceState);
        WriteBytesField(buffer, ref pos, TagLen4, value.ParentSpanId);
        WriteStringField(buffer, ref pos, TagLen5, value.Name);
        if (value.Kind != 0)
        {
            buffer[pos++] = 6 << 3;
            WriteVarint(buffer, ref pos, (ulong)(long)(int)value.Kind);
        }

        WriteFixed64Field(buffer, ref pos, (7 << 3) | 1, value.StartTimeUnixNano);
        WriteFixed64Field(buffer, ref pos, (8 << 3) | 1, value.EndTimeUnixNano);
        WriteAttributes(buffer, ref pos, (9 << 3) | 2, value.Attributes);
        WriteUInt32Field(buffer, ref pos, 10 << 3, value.DroppedAttributesCount);
        var events = value.Events;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            WriteHeader(buffer, ref pos, (11 << 3) | 2, NextSize());
            WriteFixed64Field(buffer, ref pos, (1 << 3) | 1, e.TimeUnixNano);
            WriteStringField(buffer, ref pos, TagLen2, e.Name);
            WriteAttributes(buffer, ref pos, TagLen3, e.Attributes);
            WriteUInt32Field(buffer, ref pos, 4 << 3, e.DroppedAttributesCount);
        }

        WriteUInt32Field(buffer, ref pos, 12 << 3, value.DroppedEventsCount);
        var links = value.Links;
        for (var i = 0; i < links.Count; i++)
        {
            var link = links[i];
            WriteHeader(buffer, ref pos, (13 << 3) | 2, NextSize());
            WriteBytesField(buffer, ref pos, TagLen1, link.TraceId);
            WriteBytesField(buffer, ref pos, TagLen2, link.SpanId);
            WriteStringField(buffer, ref pos, TagLen3, link.TraceState);
            WriteAttributes(buffer, ref pos, TagLen4, link.Attributes);
            WriteUInt32Field(buffer, ref pos, 5 << 3, link.DroppedAttributesCount);
            if (link.Flags != 0)
            {
                buffer[pos++] = (6 << 3) | 5;
                BinaryPrimitives.WriteUInt32LittleEndian(buffer[pos..], link.Flags);
                pos += 4;
            }
        }

        WriteUInt32Field(buffer, ref pos, 14 << 3, value.DroppedLinksCount);
        if (value.Status is { } status)
        {
            WriteHeader(buffer, ref pos, (15 << 3) | 2, NextSize());
            WriteStringField(buffer, ref pos, TagLen2, status.Message);
            if (status.Code != 0)
            {
                buffer[pos++] = 3 << 3;
                WriteVarint(buffer, ref pos, (ulong)(long)(int)status.Code);
            }
        }

        if (value.Flags != 0)
        {
            // Field 16, wire type 5: the varint tag 133 takes two bytes.
            buffer[pos++] = 0x85;
            buffer[pos++] = 0x01;
            BinaryPrimitives.WriteUInt32LittleEndian(buffer[pos..], value.Flags);
            pos += 4;
        }
    }

    private void WriteAttributes(Span<byte> buffer, ref int pos, byte tag, Google.Protobuf.Collections.RepeatedField<KeyValue> attributes)
    {
        for (var i = 0; i < attributes.Count; i++)
        {
            WriteKeyValue(buffer, ref pos, tag, attributes[i]);
        }
    }

    private void WriteKeyValue(Span<byte> buffer, ref int pos, byte tag, KeyValue value)
    {
        WriteHeader(buffer, ref pos, tag, NextSize());
        WriteStringField(buffer, ref pos, TagLen1, value.Key);
        if (value.Value is { } any)
        {
            WriteAnyValue(buffer, ref pos, TagLen2, any);
        }
    }

    private void WriteAnyValue(Span<byte> buffer, ref int pos, byte tag, AnyValue value)
    {
        WriteHeader(buffer, ref pos, tag, NextSize());
        switch (value.ValueCase)
        {
            case AnyValue.ValueOneofCase.StringValue:
                buffer[pos++] = TagLen1;
                WriteString(buffer, ref pos, value.StringValue);
                break;
            case AnyValue.ValueOneofCase.BoolValue:
                buffer[pos++] = 2 << 3;
                buffer[pos++] = value.BoolValue ? (byte)1 : (byte)0;
                break;
            case AnyValue.ValueOneofCase.IntValue:
                buffer[pos++] = 3 << 3;
                WriteVarint(buffer, ref pos, (ulong)value.IntValue);
                break;
            case AnyValue.ValueOneofCase.DoubleValue:
                buffer[pos++] = (4 << 3) | 1;
                BinaryPrimitives.WriteDoubleLittleEndian(buffer[pos..], value.DoubleValue);
                pos += 8;
                break;
            case AnyValue.ValueOneofCase.ArrayValue:
                WriteHeader(buffer, ref pos, TagLen5, NextSize());
                var values = value.ArrayValue.Values;
                for (var i = 0; i < values.Count; i++)
                {
                    WriteAnyValue(buffer, ref pos, TagLen1, values[i]);
                }

                break;
            case AnyValue.ValueOneofCase.KvlistValue:
                WriteHeader(buffer, ref pos, TagLen6, NextSize());
                WriteAttributes(buffer, ref pos, TagLen1, value.KvlistValue.Values);
                break;
            case AnyValue.ValueOneofCase.BytesValue:
                buffer[pos++] = TagLen7;
                WriteBytes(buffer, ref pos, value.BytesValue.Span);
                break;
        }
    }

    // ---- primitives ----

    private static int Delimited(int length) => VarintSize((uint)length) + length;

    private static int StringField(string value) => value.Length == 0 ? 0 : 1 + Delimited(Utf8Length(value));

    private static int BytesField(ByteString value) => value.Length == 0 ? 0 : 1 + Delimited(value.Length);

    private static int UInt32Field(uint value) => value == 0 ? 0 : 1 + VarintSize(value);

    // An enum is an int32 on the wire: a negative value is sign-extended to ten bytes.
    private static int EnumSize(int value) => VarintSize((ulong)(long)value);

    private static int Utf8Length(string value) => Encoding.UTF8.GetByteCount(value);

    private static int VarintSize(ulong value) => value < 0x80 ? 1 : ((63 - System.Numerics.BitOperations.LeadingZeroCount(value)) / 7) + 1;

    private static void WriteHeader(Span<byte> buffer, ref int pos, byte tag, int length)
    {
        buffer[pos++] = tag;
        WriteVarint(buffer, ref pos, (uint)length);
    }

    private static void WriteVarint(Span<byte> buffer, ref int pos, ulong value)
    {
        while (value >= 0x80)
        {
            buffer[pos++] = (byte)(value | 0x80);
            value >>= 7;
        }

        buffer[pos++] = (byte)value;
    }

    private static void WriteUInt32Field(Span<byte> buffer, ref int pos, byte tag, uint value)
    {
        if (value != 0)
        {
            buffer[pos++] = tag;
            WriteVarint(buffer, ref pos, value);
        }
    }

    private static void WriteFixed64Field(Span<byte> buffer, ref int pos, byte tag, ulong value)
    {
        if (value != 0)
        {
            buffer[pos++] = tag;
            BinaryPrimitives.WriteUInt64LittleEndian(buffer[pos..], value);
            pos += 8;
        }
    }

    private static void WriteStringField(Span<byte> buffer, ref int pos, byte tag, string value)
    {
        if (value.Length != 0)
        {
            buffer[pos++] = tag;
            WriteString(buffer, ref pos, value);
        }
    }

    private static void WriteString(Span<byte> buffer, ref int pos, string value)
    {
        // When the longest possible encoding (3 bytes per UTF-16 unit) still has a one-byte length, encode first and
        // fill the length in afterwards: no second pass over the string to count its bytes.
        if (value.Length <= 127 / 3)
        {
            var written = Encoding.UTF8.GetBytes(value, buffer[(pos + 1)..]);
            buffer[pos] = (byte)written;
            pos += 1 + written;
            return;
        }

        WriteVarint(buffer, ref pos, (uint)Encoding.UTF8.GetByteCount(value));
        pos += Encoding.UTF8.GetBytes(value, buffer[pos..]);
    }

    private static void WriteBytesField(Span<byte> buffer, ref int pos, byte tag, ByteString value)
    {
        if (value.Length != 0)
        {
            buffer[pos++] = tag;
            WriteBytes(buffer, ref pos, value.Span);
        }
    }

    private static void WriteBytes(Span<byte> buffer, ref int pos, ReadOnlySpan<byte> value)
    {
        WriteVarint(buffer, ref pos, (uint)value.Length);
        value.CopyTo(buffer[pos..]);
        pos += value.Length;
    }
}
