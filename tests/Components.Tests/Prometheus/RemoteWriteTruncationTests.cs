using River.Components.Prom.RemoteWrite.Wal;
using River.Components.Telemetry.Metrics;

namespace River.Tests.Prom;

public sealed class RemoteWriteTruncationTests
{
    private static Sample[] Batch(long ts) => [new Sample(LabelSet.Of("__name__", "trunc", "job", "t"), ts, 1)];

    [Fact]
    public async Task TruncationDeletesSegmentsEveryEndpointHasDelivered()
    {
        using var server = new TinyHttpServer((_, _) => (204, "", [], null));
        var args = RunningRemoteWrite.Args(server.Url + "/api/v1/write");
        args.Wal.MinKeepaliveTime = TimeSpan.Zero;
        await using var rw = new RunningRemoteWrite(args, PromTest.TempDir("rw-trunc"));
        await rw.AppendAsync(Batch(1000));
        await rw.WaitForStatsAsync("main", s => s.Sent == 1, TimeSpan.FromSeconds(10), "first sample sent");
        rw.Component.Truncate(args); // seals segment 1; its last record is confirmed but the checkpoint is still inside it
        Assert.Contains(1L, MetricsWal.ListSegments(rw.Component.Wal.Directory));

        await rw.AppendAsync(Batch(2000));
        await rw.WaitForStatsAsync("main", s => s.Sent == 2, TimeSpan.FromSeconds(10), "second sample sent");
        var cp = WalCheckpoint.PathFor(rw.Component.Wal.Directory, "main");
        await PromTest.WaitUntilAsync(() => Task.FromResult(WalCheckpoint.Read(cp)?.Segment >= 2), TimeSpan.FromSeconds(5), "checkpoint in segment 2");
        rw.Component.Truncate(args);
        Assert.DoesNotContain(1L, MetricsWal.ListSegments(rw.Component.Wal.Directory));
        Assert.Equal(0, rw.Component.WalExpiredSamples);
    }

    [Fact]
    public async Task SegmentsOlderThanMaxKeepaliveAreDeletedUnsentAndTheirSamplesCounted()
    {
        var args = RunningRemoteWrite.Args($"http://127.0.0.1:{PromTest.FreePort()}/api/v1/write");
        args.Wal.MinKeepaliveTime = TimeSpan.Zero;
        args.Wal.MaxKeepaliveTime = TimeSpan.Zero;
        await using var rw = new RunningRemoteWrite(args, PromTest.TempDir("rw-expire"));
        await rw.AppendAsync([.. Batch(1000), .. Batch(2000), .. Batch(3000)]);
        rw.Component.Truncate(args);
        Assert.Equal(3, rw.Component.WalExpiredSamples);
        Assert.DoesNotContain(1L, MetricsWal.ListSegments(rw.Component.Wal.Directory));
        Assert.Contains(rw.Log.Entries, e => e.Message.Contains("outlived max_keepalive_time", StringComparison.Ordinal));
    }
}
