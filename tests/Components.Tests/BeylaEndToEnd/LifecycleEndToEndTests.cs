using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using River.Components.Beyla;
using River.Components.Beyla.Ebpf;
using River.Components.Beyla.Ebpf.Native;
using River.Runtime;
using Xunit.Abstractions;

namespace River.Tests.BeylaEndToEnd;

/// <summary>Reloads, removal, and the glue's own duties (lost events) on the real kernel.</summary>
[Collection(BeylaEndToEndCollection.Name)]
public sealed class LifecycleEndToEndTests(ITestOutputHelper output)
{
    private const string Id = "beyla.ebpf.t";

    private bool Skipped()
    {
        if (EndToEndPrerequisites.Missing() is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return true;
        }

        return false;
    }

    private static string Config(int port) => $$"""
        beyla.ebpf "t" {
          open_port = "{{port}}"
          output { }
        }
        """;

    [Fact]
    public async Task AReloadMovesTracingToAnotherServerAndRemovingTheComponentLeavesNoBpfObjectBehind()
    {
        if (Skipped())
        {
            return;
        }

        using var first = TestServer.Nginx();
        using var second = TestServer.Nginx();
        var before = OwnBpfObjects.Snapshot();
        await using var river = await RiverUnderTest.StartAsync(Config(first.Port));
        await river.WaitTracedAsync(Id, first);
        var instance = river.Host.Controller.Components.Single(c => c.Id == Id).Instance;

        Assert.Equal([200, 404], HttpClients.Curl(first.Url("/ok"), first.Url("/missing")));
        Assert.Equal([200], HttpClients.Curl(second.Url("/ok")));
        var text = await river.ScrapeUntilAsync(Id, t => Exposition.GetCounts(t, first.Port).Values.Sum() >= 2, TimeSpan.FromSeconds(15));
        Assert.Equal(new Dictionary<string, double> { ["200 -"] = 1, ["404 -"] = 1 }, Exposition.GetCounts(text, first.Port));
        Assert.Empty(Exposition.GetCounts(text, second.Port));

        var generation1 = Ours(before);
        output.WriteLine($"first generation: programs [{string.Join(",", generation1.Programs)}], links [{string.Join(",", generation1.Links)}], maps {generation1.Maps.Count}");
        Assert.NotEmpty(generation1.Programs);
        Assert.NotEmpty(generation1.Links);

        await river.ReloadAsync(Config(second.Port));
        await river.WaitTracedAsync(Id, second);
        Assert.Same(instance, river.Host.Controller.Components.Single(c => c.Id == Id).Instance);

        Assert.Equal([200, 200], HttpClients.Curl(first.Url("/ok"), first.Url("/ok")));
        Assert.Equal([200, 500, 500], HttpClients.Curl(second.Url("/ok"), second.Url("/fail"), second.Url("/fail")));
        text = await river.ScrapeUntilAsync(Id, t => Exposition.GetCounts(t, second.Port).Values.Sum() >= 3, TimeSpan.FromSeconds(15));
        output.WriteLine("after reload: first " + Exposition.Describe(Exposition.GetCounts(text, first.Port)) + "; second " + Exposition.Describe(Exposition.GetCounts(text, second.Port)));
        Assert.Equal(new Dictionary<string, double> { ["200 -"] = 1, ["500 -"] = 2 }, Exposition.GetCounts(text, second.Port));
        Assert.Empty(Exposition.GetCounts(text, first.Port));

        // The first generation's program, link and maps were released by the reload.
        var generation2 = Ours(before);
        Assert.NotEmpty(generation2.Programs);
        Assert.Empty(generation1.Programs.Intersect(generation2.Programs));
        await WaitGoneFromBpftoolAsync(generation1);

        await river.ReloadAsync("");
        Assert.DoesNotContain(river.Host.Controller.Components, c => c.Id == Id);
        var clock = Stopwatch.StartNew();
        var left = Ours(before);
        while ((left.Programs.Count + left.Links.Count + left.Maps.Count) > 0 && clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(200);
            left = Ours(before);
        }

        output.WriteLine($"after removal: {left.Programs.Count} programs, {left.Links.Count} links, {left.Maps.Count} maps of ours (fds) after {clock.Elapsed.TotalSeconds:F1}s");
        Assert.Empty(left.Programs);
        Assert.Empty(left.Links);
        Assert.Empty(left.Maps);
        await WaitGoneFromBpftoolAsync(generation2);
    }

    // The kernel frees a program and its maps shortly after the last reference goes (deferred work): poll bpftool.
    private async Task WaitGoneFromBpftoolAsync((HashSet<int> Programs, HashSet<int> Links, HashSet<int> Maps) ours)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var programs = ours.Programs.Intersect(OwnBpfObjects.BpftoolIds("prog")).ToList();
            var links = ours.Links.Intersect(OwnBpfObjects.BpftoolIds("link")).ToList();
            var maps = ours.Maps.Intersect(OwnBpfObjects.BpftoolIds("map")).ToList();
            if (programs.Count + links.Count + maps.Count == 0)
            {
                output.WriteLine($"bpftool lists none of programs [{string.Join(",", ours.Programs)}], links [{string.Join(",", ours.Links)}], maps [{string.Join(",", ours.Maps)}] after {clock.Elapsed.TotalSeconds:F1}s");
                return;
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(20))
            {
                Assert.Fail($"still listed by bpftool after 20s: programs [{string.Join(",", programs)}], links [{string.Join(",", links)}], maps [{string.Join(",", maps)}]");
            }

            await Task.Delay(250);
        }
    }

    [Fact]
    public async Task EventsLostToAFullRingBufferAreCountedAndReportedInTheHealthMessage()
    {
        if (Skipped())
        {
            return;
        }

        using var nginx = TestServer.Nginx();
        // One page of ring buffer (11 records) and no wake-up until 1000 records: a burst overflows it for sure.
        using var source = new EbpfHttpEventSource(new EbpfSourceOptions
        {
            Capture = new HttpCaptureOptions(WakeupLength: 1000, RingBufferBytes: 4096),
            PollTimeout = TimeSpan.FromSeconds(3),
            StatsInterval = TimeSpan.FromMilliseconds(200),
        }, NullLogger.Instance);
        source.SetPids([nginx.Pid, .. TestServer.Children(nginx.Pid)]);
        long received = 0, lost = 0;
        using var cts = new CancellationTokenSource();
        var run = source.RunAsync((in HttpRequestEvent e) =>
        {
            if (e.Status == 200)
            {
                Interlocked.Increment(ref received);
            }
        }, n => Interlocked.Add(ref lost, n), cts.Token);

        var clock = Stopwatch.StartNew();
        while (!source.IsRunning && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50);
        }

        Assert.True(source.IsRunning, source.CurrentHealth.Message);
        Assert.Equal(new HashSet<int>([nginx.Pid, .. TestServer.Children(nginx.Pid)]), source.TracedPids.ToHashSet());
        const int burst = 200;
        var statuses = HttpClients.Curl(Enumerable.Repeat(nginx.Url("/ok"), burst).ToArray());
        Assert.Equal(burst, statuses.Count(s => s == 200));

        clock.Restart();
        while (Interlocked.Read(ref received) + Interlocked.Read(ref lost) < burst && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(100);
        }

        var health = source.CurrentHealth;
        output.WriteLine($"received {received}, lost {lost}; health: {health.State} '{health.Message}'");
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(burst, received + lost);
        Assert.True(lost > 0, "the burst should not fit in one page");
        Assert.Equal(HealthState.Healthy, health.State);
        Assert.Contains("ring buffer was full", health.Message, StringComparison.Ordinal);
        Assert.False(source.IsRunning);
    }

    [Fact]
    public async Task AProgramTheKernelRefusesMakesTheSourceUnhealthyWithTheKernelsReasonAndHoldsNothing()
    {
        if (Skipped())
        {
            return;
        }

        var before = OwnBpfObjects.Snapshot();
        // A hash map of zero entries is refused by the kernel at load time (EINVAL): the same path as a verifier rejection.
        using var source = new EbpfHttpEventSource(new EbpfSourceOptions { Capture = new HttpCaptureOptions(MaxConnections: 0) }, NullLogger.Instance);
        source.SetPids([Environment.ProcessId]);
        await source.RunAsync((in HttpRequestEvent _) => { }, _ => { }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));

        var health = source.CurrentHealth;
        output.WriteLine($"{health.State}: {health.Message}");
        Assert.Equal(HealthState.Unhealthy, health.State);
        Assert.Contains("conns", health.Message, StringComparison.Ordinal);
        Assert.False(source.IsRunning);
        var left = Ours(before);
        Assert.Empty(left.Programs);
        Assert.Empty(left.Maps);
    }

    [Fact]
    public async Task DebugLogsEveryEventAndAZeroTimeoutStillClearsUnansweredRequestsWithoutReportingThem()
    {
        if (Skipped())
        {
            return;
        }

        using var nginx = TestServer.Nginx();
        var logger = new River.Tests.Otelcol.RecordingLogger();
        using var source = new EbpfHttpEventSource(new EbpfSourceOptions
        {
            Debug = true,
            RequestTimeout = TimeSpan.Zero,
            HousekeepingTimeout = TimeSpan.FromSeconds(1),
        }, logger);
        source.SetPids([nginx.Pid, .. TestServer.Children(nginx.Pid)]);
        var statuses = new System.Collections.Concurrent.ConcurrentQueue<int>();
        using var cts = new CancellationTokenSource();
        var run = source.RunAsync((in HttpRequestEvent e) => statuses.Enqueue(e.Status), _ => { }, cts.Token);
        var clock = Stopwatch.StartNew();
        while (!source.IsRunning && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50);
        }

        Assert.True(source.IsRunning, source.CurrentHealth.Message);
        using var hanging = HttpClients.Connect(nginx.Port);
        hanging.Send(System.Text.Encoding.ASCII.GetBytes($"GET /users/9 HTTP/1.1\r\nHost: 127.0.0.1:{nginx.Port}\r\n"));
        Assert.Equal([200, 404], HttpClients.Curl(nginx.Url("/ok"), nginx.Url("/missing")));

        clock.Restart();
        while (!logger.Contains(Microsoft.Extensions.Logging.LogLevel.Information, "removed a request unanswered") && clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(100);
        }

        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(15));
        foreach (var (_, message) in logger.Entries)
        {
            output.WriteLine(message);
        }

        Assert.Equal([200, 404], statuses.Order());
        Assert.Equal(0, source.ExpiredRequests);
        Assert.Single(logger.Entries, e => e.Message.Contains("GET /ok HTTP/1.1 status=200", StringComparison.Ordinal));
        Assert.Single(logger.Entries, e => e.Message.Contains("GET /missing HTTP/1.1 status=404", StringComparison.Ordinal));
        Assert.Single(logger.Entries, e => e.Message.Contains("removed a request unanswered", StringComparison.Ordinal)
            && e.Message.Contains($"port {nginx.Port}", StringComparison.Ordinal));
    }

    private static (HashSet<int> Programs, HashSet<int> Links, HashSet<int> Maps) Ours((HashSet<int> Programs, HashSet<int> Links, HashSet<int> Maps) baseline)
    {
        var now = OwnBpfObjects.Snapshot();
        now.Programs.ExceptWith(baseline.Programs);
        now.Links.ExceptWith(baseline.Links);
        now.Maps.ExceptWith(baseline.Maps);
        return now;
    }
}
