using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using River.Components.Telemetry.Metrics;

namespace River.Components.Prom.RemoteWrite.Wal;

/// <summary>
/// A WAL record is one committed batch and is self-contained: its own series table followed by samples that refer
/// to it by index. That costs some bytes per batch but lets any reader start at any record and lets truncation
/// delete whole segments without rewriting a series checkpoint.
/// Layout: version byte 1, uvarint series count, per series uvarint label count and (uvarint length, UTF-8) name and
/// value pairs; uvarint sample count, per sample uvarint series index, int64 LE timestamp, float64 LE bits.
/// </summary>
public static class WalRecord
{
    private const byte Version = 1;

    /// <summary>Encodes a batch; series are deduplicated within the record.</summary>
    public static byte[] Encode(IReadOnlyList<Sample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var index = new Dictionary<LabelSet, int>();
        var series = new List<LabelSet>();
        foreach (var s in samples)
        {
            if (!index.ContainsKey(s.Labels))
            {
                index[s.Labels] = series.Count;
                series.Add(s.Labels);
            }
        }

        var w = new ArrayBufferWriter<byte>(64 + (samples.Count * 20));
        w.GetSpan(1)[0] = Version;
        w.Advance(1);
        WriteUVarint(w, (ulong)series.Count);
        foreach (var ls in series)
        {
            WriteUVarint(w, (ulong)ls.Count);
            foreach (var l in ls.AsSpan())
            {
                WriteString(w, l.Name);
                WriteString(w, l.Value);
            }
        }

        WriteUVarint(w, (ulong)samples.Count);
        foreach (var s in samples)
        {
            WriteUVarint(w, (ulong)index[s.Labels]);
            var span = w.GetSpan(16);
            BinaryPrimitives.WriteInt64LittleEndian(span, s.TimestampMs);
            BinaryPrimitives.WriteInt64LittleEndian(span[8..], BitConverter.DoubleToInt64Bits(s.Value));
            w.Advance(16);
        }

        return w.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a record; throws <see cref="InvalidDataException"/> when it is malformed.</summary>
    public static List<Sample> Decode(ReadOnlySpan<byte> data)
    {
        var pos = 0;
        if (data.Length == 0 || data[pos++] != Version)
        {
            throw new InvalidDataException("unknown WAL record version");
        }

        var seriesCount = (int)ReadUVarint(data, ref pos);
        var series = new LabelSet[seriesCount];
        for (var i = 0; i < seriesCount; i++)
        {
            var n = (int)ReadUVarint(data, ref pos);
            var labels = new Label[n];
            for (var k = 0; k < n; k++)
            {
                labels[k] = new Label(ReadString(data, ref pos), ReadString(data, ref pos));
            }

            series[i] = LabelSet.FromSortedUnique(labels);
        }

        var sampleCount = (int)ReadUVarint(data, ref pos);
        var samples = new List<Sample>(sampleCount);
        for (var i = 0; i < sampleCount; i++)
        {
            var idx = (int)ReadUVarint(data, ref pos);
            if (idx >= series.Length || pos + 16 > data.Length)
            {
                throw new InvalidDataException("WAL record sample out of range");
            }

            var ts = BinaryPrimitives.ReadInt64LittleEndian(data[pos..]);
            var v = BitConverter.Int64BitsToDouble(BinaryPrimitives.ReadInt64LittleEndian(data[(pos + 8)..]));
            pos += 16;
            samples.Add(new Sample(series[idx], ts, v));
        }

        return samples;
    }

    private static void WriteUVarint(ArrayBufferWriter<byte> w, ulong v)
    {
        var span = w.GetSpan(10);
        var n = 0;
        while (v >= 0x80)
        {
            span[n++] = (byte)(v | 0x80);
            v >>= 7;
        }

        span[n++] = (byte)v;
        w.Advance(n);
    }

    private static void WriteString(ArrayBufferWriter<byte> w, string s)
    {
        var len = Encoding.UTF8.GetByteCount(s);
        WriteUVarint(w, (ulong)len);
        Encoding.UTF8.GetBytes(s, w.GetSpan(len));
        w.Advance(len);
    }

    private static ulong ReadUVarint(ReadOnlySpan<byte> d, ref int pos)
    {
        ulong v = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (pos >= d.Length)
            {
                throw new InvalidDataException("truncated varint in WAL record");
            }

            var b = d[pos++];
            v |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return v;
            }
        }

        throw new InvalidDataException("varint too long in WAL record");
    }

    private static string ReadString(ReadOnlySpan<byte> d, ref int pos)
    {
        var len = (int)ReadUVarint(d, ref pos);
        if (len < 0 || pos + len > d.Length)
        {
            throw new InvalidDataException("string out of range in WAL record");
        }

        var s = Encoding.UTF8.GetString(d.Slice(pos, len));
        pos += len;
        return s;
    }
}
