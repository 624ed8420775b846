using River.Components.Prom.RemoteWrite;
using River.Components.Prom.RemoteWrite.Wal;
using River.Components.Telemetry.Metrics;

namespace River.Tests.Prom;

public sealed class RemoteWriteEncodingTests
{
    [Fact]
    public void WriteRequestSurvivesEncodeSnappyDecodeWithLabelsSortedAndSpecialValues()
    {
        var series = new List<WriteSeries>
        {
            new(LabelSet.Of("__name__", "rw_test", "job", "x", "Zone", "EU", "a", "v\"with\nescapes\\"), [(1000, 1.5), (2000, double.PositiveInfinity), (3000, StaleMarker.Value)]),
            new(LabelSet.Of("__name__", "other"), [(-5, double.NegativeInfinity), (long.MaxValue, 0)]),
        };
        var wire = Snappier.Snappy.CompressToArray(WriteRequestCodec.Encode(series));
        var decoded = WriteRequestCodec.Decode(Snappier.Snappy.DecompressToArray(wire));
        Assert.Equal(2, decoded.Count);
        Assert.Equal(series[0].Labels, decoded[0].Labels);
        Assert.Equal(["Zone", "__name__", "a", "job"], decoded[0].Labels.AsSpan().ToArray().Select(l => l.Name));
        Assert.Equal([1000L, 2000L, 3000L], decoded[0].Samples.Select(s => s.TimestampMs));
        Assert.Equal(1.5, decoded[0].Samples[0].Value);
        Assert.True(double.IsPositiveInfinity(decoded[0].Samples[1].Value));
        Assert.True(StaleMarker.IsStale(decoded[0].Samples[2].Value)); // the exact NaN bits survive
        Assert.Equal([(-5L, double.NegativeInfinity), (long.MaxValue, 0d)], decoded[1].Samples);
    }

    [Fact]
    public void EncodingMatchesTheProtobufWireFormatByteForByte()
    {
        // WriteRequest{timeseries{labels{name:"a" value:"b"} samples{value:1 timestamp:2}}} written out by hand:
        // 0a 15 | 0a 06 0a 01 61 12 01 62 | 12 0b 09 <8 bytes of 1.0> 10 02
        var bytes = WriteRequestCodec.Encode([new WriteSeries(LabelSet.Of("a", "b"), [(2, 1.0)])]);
        byte[] expected = [0x0a, 0x15, 0x0a, 0x06, 0x0a, 0x01, 0x61, 0x12, 0x01, 0x62, 0x12, 0x0b, 0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x10, 0x02];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void WalRecordRoundTripsSamplesAndSharesSeries()
    {
        var a = LabelSet.Of("__name__", "a", "x", "1");
        var samples = new List<Sample> { new(a, 1, 1), new(LabelSet.Of("__name__", "b"), 2, double.NaN), new(a, 3, StaleMarker.Value) };
        var decoded = WalRecord.Decode(WalRecord.Encode(samples));
        Assert.Equal(3, decoded.Count);
        Assert.Equal(a, decoded[0].Labels);
        Assert.Same(decoded[0].Labels, decoded[2].Labels);
        Assert.True(StaleMarker.IsStale(decoded[2].Value));
        Assert.True(double.IsNaN(decoded[1].Value) && !StaleMarker.IsStale(decoded[1].Value));
    }
}

public sealed class MetricsWalTests
{
    private static Microsoft.Extensions.Logging.ILogger Log => new MessageLog();

    [Fact]
    public async Task ReaderSeesRecordsInOrderAcrossSegments()
    {
        var dir = PromTest.TempDir("wal");
        using var wal = MetricsWal.Open(dir, Log, segmentSize: 200);
        for (var i = 0; i < 20; i++)
        {
            await wal.AppendAsync(WalRecord.Encode([new Sample(LabelSet.Of("__name__", "m"), i, i)]));
        }

        Assert.True(MetricsWal.ListSegments(dir).Count > 3);
        using var reader = wal.OpenReader(new WalPosition(1, 0));
        var seen = new List<long>();
        while (reader.TryRead() is { } rec)
        {
            seen.AddRange(WalRecord.Decode(rec).Select(s => s.TimestampMs));
        }

        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), seen);
    }

    [Fact]
    public async Task TornTailFromACrashIsCutOffOnReopenAndEarlierRecordsSurvive()
    {
        var dir = PromTest.TempDir("wal-torn");
        var wal = MetricsWal.Open(dir, Log);
        await wal.AppendAsync(WalRecord.Encode([new Sample(LabelSet.Of("__name__", "m"), 1, 1)]));
        var good = await wal.AppendAsync(WalRecord.Encode([new Sample(LabelSet.Of("__name__", "m"), 2, 2)]));
        wal.Dispose();

        // Simulate a crash mid-append: half a frame at the end of the segment.
        var path = Path.Combine(dir, "00000001");
        await using (var f = new FileStream(path, FileMode.Append))
        {
            f.Write([40, 0, 0, 0, 1, 2, 3, 4, 5, 6]);
        }

        var log = new MessageLog();
        using var reopened = MetricsWal.Open(dir, log);
        Assert.Equal(good.Offset, new FileInfo(path).Length);
        Assert.Contains(log.Entries, e => e.Message.Contains("torn or corrupt tail", StringComparison.Ordinal));
        using var reader = reopened.OpenReader(new WalPosition(1, 0));
        var ts = new List<long>();
        while (reader.TryRead() is { } rec)
        {
            ts.AddRange(WalRecord.Decode(rec).Select(s => s.TimestampMs));
        }

        Assert.Equal([1L, 2L], ts);
    }

    [Fact]
    public async Task CorruptRecordInASealedSegmentIsSkippedAndCounted()
    {
        var dir = PromTest.TempDir("wal-crc");
        using var wal = MetricsWal.Open(dir, Log);
        await wal.AppendAsync(WalRecord.Encode([new Sample(LabelSet.Of("__name__", "m"), 1, 1)]));
        wal.Roll();
        await wal.AppendAsync(WalRecord.Encode([new Sample(LabelSet.Of("__name__", "m"), 2, 2)]));
        // Flip a payload byte of segment 1.
        var path = Path.Combine(dir, "00000001");
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[^3] ^= 0xFF;
        await File.WriteAllBytesAsync(path, bytes);
        using var reader = wal.OpenReader(new WalPosition(1, 0));
        var ts = new List<long>();
        while (reader.TryRead() is { } rec)
        {
            ts.AddRange(WalRecord.Decode(rec).Select(s => s.TimestampMs));
        }

        Assert.Equal([2L], ts);
        Assert.Equal(1, reader.CorruptRecords);
    }

    [Fact]
    public void CheckpointIsPersistedAndReadBack()
    {
        var dir = PromTest.TempDir("wal-cp");
        var path = WalCheckpoint.PathFor(dir, "ep");
        Assert.Null(WalCheckpoint.Read(path));
        WalCheckpoint.Write(path, new WalPosition(7, 1234));
        Assert.Equal(new WalPosition(7, 1234), WalCheckpoint.Read(path));
    }
}
