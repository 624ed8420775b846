using System.Collections.Concurrent;
using System.Diagnostics;
using River.Components.Telemetry.Metrics;

namespace River.Tests.Prom;

/// <summary>
/// Remote-write answers and what River does with them: 5xx backs off exponentially up to max_backoff; 429 is retried
/// only while retry_on_http_429 holds; a real Prometheus's 400 (an out-of-order sample) is dropped, counted and not
/// retried.
/// </summary>
public sealed class RemoteWriteRetryTests
{
    private static Sample One(string name, long timestampMs, double value) =>
        new(LabelSet.Of("__name__", name, "job", "rwretry", "instance", "a"), timestampMs, value);

    [Fact]
    public async Task Repeated_server_errors_are_retried_with_waits_that_double_from_min_backoff_up_to_max_backoff()
    {
        // Only lower bounds are checked: a loaded machine can make waits longer, never shorter.
        var arrivals = new ConcurrentQueue<TimeSpan>();
        var clock = Stopwatch.StartNew();
        var calls = 0;
        using var server = new TinyHttpServer((_, _) =>
        {
            arrivals.Enqueue(clock.Elapsed);
            return Interlocked.Increment(ref calls) <= 5 ? (503, "text/plain", "unavailable"u8.ToArray(), null) : (204, "", [], null);
        });
        var args = RunningRemoteWrite.Args(server.Url + "/api/v1/write");
        args.Endpoints[0].QueueConfig.MinBackoff = TimeSpan.FromMilliseconds(200);
        args.Endpoints[0].QueueConfig.MaxBackoff = TimeSpan.FromMilliseconds(800);
        await using var rw = new RunningRemoteWrite(args, PromTest.TempDir("rw-backoff"));

        await rw.AppendAsync([One("rw_backoff", 1000, 1)]);
        await rw.WaitForStatsAsync("main", s => s.Sent == 1, TimeSpan.FromSeconds(60), "the sample to be sent after five 503s");

        var t = arrivals.ToArray();
        Assert.Equal(6, t.Length);
        var expectedAtLeast = new[] { 200, 400, 800, 800, 800 };
        for (var i = 0; i < expectedAtLeast.Length; i++)
        {
            var gap = (t[i + 1] - t[i]).TotalMilliseconds;
            Assert.True(gap >= expectedAtLeast[i] * 0.95, $"wait {i + 1} was {gap:0} ms, expected at least {expectedAtLeast[i]} ms");
        }

        Assert.Equal(5, rw.Stats("main").Retried);
        Assert.Equal(0, rw.Stats("main").Failed);
    }

    [Fact]
    public async Task Too_many_requests_is_dropped_and_counted_when_retry_on_http_429_is_false()
    {
        using var server = new TinyHttpServer((_, _) => (429, "text/plain", "slow down"u8.ToArray(), null));
        var args = RunningRemoteWrite.Args(server.Url + "/api/v1/write");
        args.Endpoints[0].QueueConfig.RetryOnHttp429 = false;
        await using var rw = new RunningRemoteWrite(args, PromTest.TempDir("rw-429"));

        await rw.AppendAsync([One("rw_429", 1000, 1), One("rw_429", 2000, 2)]);
        await rw.WaitForStatsAsync("main", s => s.Failed == 2, TimeSpan.FromSeconds(20), "2 failed samples");
        await Task.Delay(500);

        Assert.Single(server.Requests);
        Assert.Equal(0, rw.Stats("main").Retried);
        Assert.Contains("429", rw.Stats("main").LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_out_of_order_sample_refused_by_a_real_prometheus_with_400_is_dropped_counted_and_not_retried()
    {
        if (!File.Exists("/usr/bin/prometheus"))
        {
            return;
        }

        await using var prometheus = await PrometheusProcess.StartAsync();
        await using var rw = new RunningRemoteWrite(RunningRemoteWrite.Args(prometheus.WriteUrl), PromTest.TempDir("rw-ooo"));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        // The newer sample goes first, alone; then one a minute older for the same series, which Prometheus refuses.
        await rw.AppendAsync([One("rw_ooo", now, 2)]);
        await rw.WaitForStatsAsync("main", s => s.Sent == 1, TimeSpan.FromSeconds(30), "the newer sample");
        await rw.AppendAsync([One("rw_ooo", now - 60_000, 1)]);
        await rw.WaitForStatsAsync("main", s => s.Failed == 1, TimeSpan.FromSeconds(30), "the older sample to be refused");
        var requests = rw.Stats("main").Requests;
        await Task.Delay(1000);

        var stats = rw.Stats("main");
        Assert.Equal(requests, stats.Requests);
        Assert.Equal(0, stats.Retried);
        Assert.Contains("out of order", stats.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(rw.Log.Entries, e => e.Message.Contains("non-recoverable", StringComparison.Ordinal) && e.Message.Contains("out of order", StringComparison.OrdinalIgnoreCase));
        var stored = Assert.Single(await prometheus.QueryAsync("rw_ooo"));
        Assert.Equal(2, stored.Value);
    }
}
