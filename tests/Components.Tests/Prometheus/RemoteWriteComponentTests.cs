using River.Components.Prom.RemoteWrite;
using River.Components.Telemetry.Metrics;

namespace River.Tests.Prom;

/// <summary>Runs a remote_write component in the background for a test.</summary>
internal sealed class RunningRemoteWrite : IAsyncDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _run;

    public RunningRemoteWrite(RemoteWriteArguments args, string dataPath, MessageLog? log = null)
    {
        Log = log ?? new MessageLog();
        Component = new RemoteWriteComponent(PromTest.Options("prometheus.remote_write.test", dataPath, Log), args);
        _run = Task.Run(() => Component.RunAsync(_cts.Token));
    }

    public RemoteWriteComponent Component { get; }

    public MessageLog Log { get; }

    public EndpointStats Stats(string name) => Component.EndpointStatistics[name];

    public async Task AppendAsync(IEnumerable<Sample> samples)
    {
        var app = Component.Appender();
        foreach (var s in samples)
        {
            app.Append(s.Labels, s.TimestampMs, s.Value);
        }

        await app.CommitAsync();
    }

    public async Task WaitForStatsAsync(string name, Func<EndpointStats, bool> condition, TimeSpan timeout, string what) =>
        await PromTest.WaitUntilAsync(() => Task.FromResult(Component.EndpointStatistics.TryGetValue(name, out var s) && condition(s)), timeout, what);

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        await _run;
        Component.Dispose();
        _cts.Dispose();
    }

    public static RemoteWriteArguments Args(string url, string name = "main", int minShards = 1) => new()
    {
        ExternalLabels = new() { ["cluster"] = "test" },
        Endpoints =
        [
            new EndpointOptions
            {
                Url = url,
                Name = name,
                RemoteTimeout = TimeSpan.FromSeconds(5),
                QueueConfig = new QueueOptions { BatchSendDeadline = TimeSpan.FromMilliseconds(50), MinBackoff = TimeSpan.FromMilliseconds(50), MaxBackoff = TimeSpan.FromMilliseconds(400), MinShards = minShards, MaxShards = Math.Max(minShards, 4) },
            },
        ],
    };
}

public sealed class RemoteWriteComponentTests
{
    private static IEnumerable<Sample> Series(string name, string instance, long startMs, int count, long stepMs = 1000) =>
        Enumerable.Range(0, count).Select(i => new Sample(LabelSet.Of("__name__", name, "job", "rwtest", "instance", instance), startMs + (i * stepMs), i + 0.5));

    [Fact]
    public async Task SamplesSentToPrometheusAreQueryableWithTheirLabelsAndValues()
    {
        await using var prom = await PrometheusProcess.StartAsync();
        await using var rw = new RunningRemoteWrite(RunningRemoteWrite.Args(prom.WriteUrl), PromTest.TempDir("rw-e2e"));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await rw.AppendAsync(Series("rw_e2e_total", "a", now - 9000, 10));
        await rw.WaitForStatsAsync("main", s => s.Sent == 10, TimeSpan.FromSeconds(20), "10 samples sent");

        var result = await prom.QueryAsync("rw_e2e_total");
        var (metric, value) = Assert.Single(result);
        Assert.Equal("rwtest", metric["job"]);
        Assert.Equal("a", metric["instance"]);
        Assert.Equal("test", metric["cluster"]); // external label
        Assert.Equal(9.5, value);
        var count = await prom.QueryAsync("count_over_time(rw_e2e_total[1m])");
        Assert.Equal(10, Assert.Single(count).Value);
    }

    [Fact]
    public async Task ReceiverOutageIsBridgedByTheWalAndEverySampleOfTheGapArrives()
    {
        await using var prom = await PrometheusProcess.StartAsync();
        await using var rw = new RunningRemoteWrite(RunningRemoteWrite.Args(prom.WriteUrl), PromTest.TempDir("rw-gap"));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await rw.AppendAsync(Series("rw_gap", "a", now - 20_000, 5));
        await rw.WaitForStatsAsync("main", s => s.Sent == 5, TimeSpan.FromSeconds(20), "first 5 samples sent");

        await prom.StopAsync();
        await rw.AppendAsync(Series("rw_gap", "a", now - 15_000, 10)); // commits: durable in the WAL although nobody listens
        await rw.WaitForStatsAsync("main", s => s.Retried >= 10, TimeSpan.FromSeconds(20), "retries during the outage");
        Assert.Equal(5, rw.Stats("main").Sent);

        await prom.StartAsync();
        await rw.WaitForStatsAsync("main", s => s.Sent == 15, TimeSpan.FromSeconds(30), "the gap delivered after the restart");
        var count = await prom.QueryAsync("count_over_time(rw_gap[5m])");
        Assert.Equal(15, Assert.Single(count).Value);
        Assert.Equal(0, rw.Stats("main").Failed);
    }

    [Fact]
    public async Task SamplesAcceptedBeforeASenderRestartAreReplayedFromTheWal()
    {
        await using var prom = await PrometheusProcess.StartAsync();
        var data = PromTest.TempDir("rw-replay");
        var deadPort = PromTest.FreePort();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using (var first = new RunningRemoteWrite(RunningRemoteWrite.Args($"http://127.0.0.1:{deadPort}/api/v1/write"), data))
        {
            await first.AppendAsync(Series("rw_replay", "a", now - 10_000, 8));
            await first.WaitForStatsAsync("main", s => s.Retried > 0, TimeSpan.FromSeconds(10), "a failed attempt");
        }

        // A new process on the same data path, same endpoint name, now pointing at a live receiver.
        await using var second = new RunningRemoteWrite(RunningRemoteWrite.Args(prom.WriteUrl), data);
        await second.WaitForStatsAsync("main", s => s.Sent == 8, TimeSpan.FromSeconds(20), "replayed samples sent");
        var count = await prom.QueryAsync("count_over_time(rw_replay[5m])");
        Assert.Equal(8, Assert.Single(count).Value);
    }

    [Fact]
    public async Task A400AnswerIsDroppedCountedAndNotRetried()
    {
        using var server = new TinyHttpServer((_, _) => (400, "text/plain", "out of order sample"u8.ToArray(), null));
        await using var rw = new RunningRemoteWrite(RunningRemoteWrite.Args(server.Url + "/api/v1/write"), PromTest.TempDir("rw-400"));
        await rw.AppendAsync(Series("rw_bad", "a", 1000, 3));
        await rw.WaitForStatsAsync("main", s => s.Failed == 3, TimeSpan.FromSeconds(10), "3 failed samples");
        await Task.Delay(500);
        var stats = rw.Stats("main");
        Assert.Equal(1, stats.Requests);
        Assert.Equal(0, stats.Retried);
        Assert.Equal(0, stats.Sent);
        Assert.Contains("out of order sample", stats.LastError, StringComparison.Ordinal);
        Assert.Contains(rw.Log.Entries, e => e.Message.Contains("non-recoverable", StringComparison.Ordinal));
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task ServerErrorsAndTooManyRequestsAreRetriedWithTheSameBodyAndProtocolHeaders()
    {
        var calls = 0;
        using var server = new TinyHttpServer((_, _) => Interlocked.Increment(ref calls) switch
        {
            1 => (500, "text/plain", "boom"u8.ToArray(), null),
            2 => (429, "text/plain", "slow down"u8.ToArray(), new Dictionary<string, string> { ["Retry-After"] = "1" }),
            _ => (204, "", [], null),
        });
        await using var rw = new RunningRemoteWrite(RunningRemoteWrite.Args(server.Url + "/api/v1/write"), PromTest.TempDir("rw-retry"));
        await rw.AppendAsync(Series("rw_retry", "a", 1000, 4));
        await rw.WaitForStatsAsync("main", s => s.Sent == 4, TimeSpan.FromSeconds(15), "4 samples sent after retries");
        var requests = server.Requests.ToArray();
        Assert.Equal(3, requests.Length);
        Assert.All(requests, r => Assert.Equal(requests[0].Body, r.Body));
        Assert.Equal(8, rw.Stats("main").Retried);
        var h = requests[0].Headers;
        Assert.Equal("snappy", h["Content-Encoding"]);
        Assert.Equal("application/x-protobuf", h["Content-Type"]);
        Assert.Equal("0.1.0", h["X-Prometheus-Remote-Write-Version"]);
        Assert.StartsWith("River/", h["User-Agent"], StringComparison.Ordinal);
        var decoded = WriteRequestCodec.Decode(Snappier.Snappy.DecompressToArray(requests[0].Body));
        Assert.Equal([1000L, 2000L, 3000L, 4000L], decoded.SelectMany(s => s.Samples).Select(s => s.TimestampMs));
    }

    [Fact]
    public async Task ManySeriesOverSeveralShardsArriveCompleteAndInOrderPerSeries()
    {
        using var server = new TinyHttpServer((_, _) => (204, "", [], null));
        await using var rw = new RunningRemoteWrite(RunningRemoteWrite.Args(server.Url + "/api/v1/write", minShards: 4), PromTest.TempDir("rw-order"));
        for (var batch = 0; batch < 10; batch++)
        {
            var samples = Enumerable.Range(0, 50).SelectMany(s => Series("rw_order", "s" + s, 1000 + (batch * 2000), 2));
            await rw.AppendAsync(samples);
        }

        await rw.WaitForStatsAsync("main", s => s.Sent == 1000, TimeSpan.FromSeconds(20), "1000 samples sent");
        var perSeries = new Dictionary<string, List<long>>();
        foreach (var (_, _, body) in server.Requests)
        {
            foreach (var s in WriteRequestCodec.Decode(Snappier.Snappy.DecompressToArray(body)))
            {
                var key = s.Labels.Get("instance");
                if (!perSeries.TryGetValue(key, out var list))
                {
                    perSeries[key] = list = [];
                }

                list.AddRange(s.Samples.Select(x => x.TimestampMs));
            }
        }

        Assert.Equal(50, perSeries.Count);
        Assert.All(perSeries.Values, ts => Assert.Equal(Enumerable.Range(0, 20).Select(i => 1000L + (i * 1000)), ts));
    }
}
