using Google.Protobuf;
using River.Components.Telemetry.Metrics;

namespace River.Components.Prom.RemoteWrite;

/// <summary>One series of a write request with its samples in time order.</summary>
public sealed record WriteSeries(LabelSet Labels, List<(long TimestampMs, double Value)> Samples);

/// <summary>
/// Encodes and decodes remote-write 1.0 <c>prometheus.WriteRequest</c> messages by hand (five tiny messages do not
/// justify generated code): <c>WriteRequest{1: repeated TimeSeries}</c>, <c>TimeSeries{1: repeated Label,
/// 2: repeated Sample}</c>, <c>Label{1: name, 2: value}</c>, <c>Sample{1: double value, 2: int64 timestamp}</c>.
/// Labels go out in the <see cref="LabelSet"/>'s ordinal order, as the spec requires.
/// </summary>
public static class WriteRequestCodec
{

    /// <summary>The protobuf bytes (not yet snappy-compressed) of a request holding <paramref name="series"/>.</summary>
    public static byte[] Encode(IReadOnlyList<WriteSeries> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var sizes = new int[series.Count];
        var total = 0;
        for (var i = 0; i < series.Count; i++)
        {
            sizes[i] = SeriesSize(series[i]);
            total += 1 + CodedOutputStream.ComputeLengthSize(sizes[i]) + sizes[i];
        }

        var buffer = new byte[total];
        var o = new CodedOutputStream(buffer);
        for (var i = 0; i < series.Count; i++)
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited);
            o.WriteLength(sizes[i]);
            var s = series[i];
            foreach (var l in s.Labels.AsSpan())
            {
                o.WriteTag(1, WireFormat.WireType.LengthDelimited);
                o.WriteLength(LabelSize(l));
                o.WriteTag(1, WireFormat.WireType.LengthDelimited);
                o.WriteString(l.Name);
                o.WriteTag(2, WireFormat.WireType.LengthDelimited);
                o.WriteString(l.Value);
            }

            foreach (var (ts, v) in s.Samples)
            {
                o.WriteTag(2, WireFormat.WireType.LengthDelimited);
                o.WriteLength(SampleSize(ts));
                o.WriteTag(1, WireFormat.WireType.Fixed64);
                o.WriteDouble(v);
                o.WriteTag(2, WireFormat.WireType.Varint);
                o.WriteInt64(ts);
            }
        }

        o.Flush();
        o.CheckNoSpaceLeft();
        return buffer;
    }

    private static int LabelSize(Label l) =>
        2 + CodedOutputStream.ComputeStringSize(l.Name) + CodedOutputStream.ComputeStringSize(l.Value);

    private static int SampleSize(long ts) => 1 + 8 + 1 + CodedOutputStream.ComputeInt64Size(ts);

    private static int SeriesSize(WriteSeries s)
    {
        var n = 0;
        foreach (var l in s.Labels.AsSpan())
        {
            var ls = LabelSize(l);
            n += 1 + CodedOutputStream.ComputeLengthSize(ls) + ls;
        }

        foreach (var (ts, _) in s.Samples)
        {
            var ss = SampleSize(ts);
            n += 1 + CodedOutputStream.ComputeLengthSize(ss) + ss;
        }

        return n;
    }

    /// <summary>Decodes a request (protobuf bytes, already snappy-decompressed). Unknown fields are skipped.</summary>
    public static List<WriteSeries> Decode(byte[] protobuf)
    {
        ArgumentNullException.ThrowIfNull(protobuf);
        var result = new List<WriteSeries>();
        var input = new CodedInputStream(protobuf);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 1 && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                result.Add(DecodeSeries(input.ReadBytes()));
            }
            else
            {
                input.SkipLastField();
            }
        }

        return result;
    }

    private static WriteSeries DecodeSeries(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        var labels = new LabelSetBuilder();
        var samples = new List<(long, double)>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    {
                        var li = input.ReadBytes().CreateCodedInput();
                        string name = "", value = "";
                        uint t;
                        while ((t = li.ReadTag()) != 0)
                        {
                            switch (WireFormat.GetTagFieldNumber(t))
                            {
                                case 1: name = li.ReadString(); break;
                                case 2: value = li.ReadString(); break;
                                default: li.SkipLastField(); break;
                            }
                        }

                        labels.Set(name, value);
                        break;
                    }

                case 2:
                    {
                        var si = input.ReadBytes().CreateCodedInput();
                        double v = 0;
                        long ts = 0;
                        uint t;
                        while ((t = si.ReadTag()) != 0)
                        {
                            switch (WireFormat.GetTagFieldNumber(t))
                            {
                                case 1: v = si.ReadDouble(); break;
                                case 2: ts = si.ReadInt64(); break;
                                default: si.SkipLastField(); break;
                            }
                        }

                        samples.Add((ts, v));
                        break;
                    }

                default:
                    input.SkipLastField();
                    break;
            }
        }

        return new WriteSeries(labels.Build(), samples);
    }

}
