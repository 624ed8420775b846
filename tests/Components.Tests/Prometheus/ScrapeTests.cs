using System.Text;
using River.Components.Prom;
using River.Components.Prom.Scrape;
using River.Components.Telemetry.Metrics;
using River.Runtime;
using River.Values;

namespace River.Tests.Prom;

public sealed class ScrapeTests
{
    private static (ScrapeLoop Loop, CollectingReceiver Sink, HttpClient Http) Loop(string url, ScrapeArguments? args = null)
    {
        args ??= new ScrapeArguments();
        var sink = new CollectingReceiver();
        args.ForwardTo = [sink];
        var target = ScrapeTarget.Resolve(new Dictionary<string, string> { ["__address__"] = new Uri(url).Authority }, args, args.JobName.Length > 0 ? args.JobName : "prometheus.scrape.test", out var error)!;
        Assert.Null(error);
        var http = new HttpClient();
        var loop = new ScrapeLoop(target, args, http, new MessageLog(), new PipelineMetrics(null, "prometheus.scrape.test")) { ForwardTo = [sink] };
        return (loop, sink, http);
    }

    private static TinyHttpServer Serve(Func<string> body, string contentType = "text/plain; version=0.0.4; charset=utf-8") =>
        new((_, _) => (200, contentType, Encoding.UTF8.GetBytes(body()), null));

    [Fact]
    public async Task ScrapeAddsJobAndInstanceAndTheFiveSyntheticSeries()
    {
        using var server = Serve(() => "# TYPE a counter\na_total{x=\"1\"} 1\nb 2.5\n");
        var (loop, sink, http) = Loop(server.Url);
        using var _ = http;
        var r = await loop.ScrapeOnceAsync(CancellationToken.None);
        Assert.True(r.Up, r.Error);
        var byName = sink.Samples.ToDictionary(s => s.Labels.MetricName);
        var instance = $"127.0.0.1:{server.Port}";
        Assert.Equal(LabelSet.Of("__name__", "a_total", "x", "1", "job", "prometheus.scrape.test", "instance", instance), byName["a_total"].Labels);
        Assert.Equal(2.5, byName["b"].Value);
        Assert.Equal(1, byName["up"].Value);
        Assert.Equal(2, byName["scrape_samples_scraped"].Value);
        Assert.Equal(2, byName["scrape_samples_post_metric_relabeling"].Value);
        Assert.Equal(2, byName["scrape_series_added"].Value);
        Assert.True(byName["scrape_duration_seconds"].Value > 0);
        Assert.Equal(7, sink.Samples.Count);

        var headers = server.Requests.Single().Headers;
        Assert.StartsWith("application/openmetrics-text;version=1.0.0", headers["Accept"], StringComparison.Ordinal);
        Assert.Contains("text/plain;version=0.0.4", headers["Accept"], StringComparison.Ordinal);
        Assert.Equal("10", headers["X-Prometheus-Scrape-Timeout-Seconds"]);
        Assert.Contains("gzip", headers["Accept-Encoding"], StringComparison.Ordinal);

        // Second scrape: same series, so nothing is new and the cached label sets are reused.
        await loop.ScrapeOnceAsync(CancellationToken.None);
        var second = sink.Samples.Skip(7).ToList();
        Assert.Equal(0, second.Single(s => s.Labels.MetricName == "scrape_series_added").Value);
        Assert.Same(byName["a_total"].Labels, second.Single(s => s.Labels.MetricName == "a_total").Labels);
    }

    [Fact]
    public async Task ASeriesThatDisappearsGetsExactlyOneStaleMarker()
    {
        var body = "a 1\nb 2\n";
        using var server = Serve(() => body);
        var (loop, sink, http) = Loop(server.Url);
        using var _ = http;
        await loop.ScrapeOnceAsync(CancellationToken.None);
        body = "a 1\n";
        var r = await loop.ScrapeOnceAsync(CancellationToken.None);
        Assert.Equal(1, r.StaleMarkers);
        await loop.ScrapeOnceAsync(CancellationToken.None);
        var bSamples = sink.Samples.Where(s => s.Labels.MetricName == "b").ToList();
        Assert.Equal(2, bSamples.Count);
        Assert.True(StaleMarker.IsStale(bSamples[1].Value));
    }

    [Fact]
    public async Task ABadLineFailsTheScrapeWithItsLineNumberAndMarksPreviousSeriesStale()
    {
        var body = "a 1\n";
        using var server = Serve(() => body);
        var (loop, sink, http) = Loop(server.Url);
        using var _ = http;
        await loop.ScrapeOnceAsync(CancellationToken.None);
        body = "a 1\nb{x=\"1\" 2\n";
        var r = await loop.ScrapeOnceAsync(CancellationToken.None);
        Assert.False(r.Up);
        Assert.Equal("line 2:9: expected \",\" or \"}\" after a label value, got \"2\": \"b{x=\"1\" 2\"", r.Error);
        var after = sink.Samples.Skip(6).ToList();
        Assert.True(StaleMarker.IsStale(after.Single(s => s.Labels.MetricName == "a").Value));
        Assert.Equal(0, after.Single(s => s.Labels.MetricName == "up").Value);
        Assert.DoesNotContain(after, s => s.Labels.MetricName == "b");
        Assert.Equal("down", loop.Status.Health);
    }

    [Fact]
    public async Task HonorLabelsDecidesWhoWinsALabelClash()
    {
        using var server = Serve(() => "m{job=\"scraped\"} 1\n");
        var (renaming, sink1, h1) = Loop(server.Url, new ScrapeArguments { JobName = "configured" });
        using var _1 = h1;
        await renaming.ScrapeOnceAsync(CancellationToken.None);
        var m1 = sink1.Samples.Single(s => s.Labels.MetricName == "m").Labels;
        Assert.Equal("configured", m1.Get("job"));
        Assert.Equal("scraped", m1.Get("exported_job"));

        var (honoring, sink2, h2) = Loop(server.Url, new ScrapeArguments { JobName = "configured", HonorLabels = true });
        using var _2 = h2;
        await honoring.ScrapeOnceAsync(CancellationToken.None);
        var m2 = sink2.Samples.Single(s => s.Labels.MetricName == "m").Labels;
        Assert.Equal("scraped", m2.Get("job"));
        Assert.False(m2.Has("exported_job"));
    }

    [Fact]
    public async Task OpenMetricsIsChosenByContentTypeAndItsSecondTimestampsAreHonoured()
    {
        using var server = Serve(() => "# TYPE c counter\nc_total 5 1700000000.250 # {trace_id=\"x\"} 1\n# EOF\n", "application/openmetrics-text; version=1.0.0; charset=utf-8");
        var (loop, sink, http) = Loop(server.Url);
        using var _ = http;
        var r = await loop.ScrapeOnceAsync(CancellationToken.None);
        Assert.True(r.Up, r.Error);
        Assert.Equal(1700000000250, sink.Samples.Single(s => s.Labels.MetricName == "c_total").TimestampMs);
    }

    [Fact]
    public async Task SampleLimitFailsTheWholeScrape()
    {
        using var server = Serve(() => "a 1\nb 2\nc 3\n");
        var (loop, sink, http) = Loop(server.Url, new ScrapeArguments { SampleLimit = 2 });
        using var _ = http;
        var r = await loop.ScrapeOnceAsync(CancellationToken.None);
        Assert.False(r.Up);
        Assert.Contains("sample limit exceeded", r.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(sink.Samples, s => s.Labels.MetricName is "a" or "b");
    }

    [Fact]
    public void ProtobufNegotiationIsRefusedWithAClearMessage()
    {
        var ctx = new ValidationContext();
        new ScrapeArguments { EnableProtobufNegotiation = true }.Validate(ctx);
        var (name, message) = Assert.Single(ctx.Errors);
        Assert.Equal("enable_protobuf_negotiation", name);
        Assert.Contains("not supported", message, StringComparison.Ordinal);
    }

    [Fact]
    public void TargetLabelsOverrideSchemePathAndParams()
    {
        var args = new ScrapeArguments { Params = new() { ["module"] = ["a"] } };
        var t = ScrapeTarget.Resolve(new Dictionary<string, string>
        {
            ["__address__"] = "h:9",
            ["__scheme__"] = "https",
            ["__metrics_path__"] = "/probe",
            ["__param_module"] = "b",
            ["__meta_x"] = "dropped",
            ["team"] = "kept",
        }, args, "job1", out _)!;
        Assert.Equal("https://h:9/probe?module=b", t.Url.ToString());
        Assert.Equal(LabelSet.Of("instance", "h:9", "job", "job1", "team", "kept"), t.Labels);
        Assert.Null(ScrapeTarget.Resolve(new Dictionary<string, string> { ["x"] = "y" }, args, "j", out var error));
        Assert.Equal("target has no __address__ label", error);
    }

    [Fact]
    public async Task ComponentReportsFailingTargetsInHealthAndMarksRemovedTargetsStale()
    {
        var body = "a 1\n";
        using var server = Serve(() => body);
        var sink = new CollectingReceiver();
        var args = new ScrapeArguments
        {
            Targets = [new() { ["__address__"] = $"127.0.0.1:{server.Port}" }],
            ForwardTo = [sink],
            ScrapeInterval = TimeSpan.FromMilliseconds(300),
            ScrapeTimeout = TimeSpan.FromMilliseconds(250),
        };
        using var c = new ScrapeComponent(PromTest.Options("prometheus.scrape.c", PromTest.TempDir("scrape")), args);
        using var cts = new CancellationTokenSource();
        var run = c.RunAsync(cts.Token);
        await PromTest.WaitUntilAsync(() => Task.FromResult(sink.Samples.Any(s => s.Labels.MetricName == "a")), TimeSpan.FromSeconds(10), "first scrape");
        Assert.Equal(HealthState.Healthy, c.CurrentHealth.State);
        var info = Assert.IsType<ScrapeDebugInfo>(c.DebugInfo);
        var target = Assert.Single(info.Targets);
        Assert.Equal("up", target.Health);
        Assert.Equal($"http://127.0.0.1:{server.Port}/metrics", target.Url);

        body = "a 1\nbroken line here\n";
        await PromTest.WaitUntilAsync(() => Task.FromResult(c.CurrentHealth.State == HealthState.Unhealthy), TimeSpan.FromSeconds(10), "unhealthy");
        Assert.Contains("line 2:", c.CurrentHealth.Message, StringComparison.Ordinal);
        Assert.Contains("broken line here", c.CurrentHealth.Message, StringComparison.Ordinal);

        body = "a 1\n";
        await PromTest.WaitUntilAsync(() => Task.FromResult(c.CurrentHealth.State == HealthState.Healthy), TimeSpan.FromSeconds(10), "healthy again");
        c.Update(new ScrapeArguments { Targets = [], ForwardTo = [sink], ScrapeInterval = args.ScrapeInterval, ScrapeTimeout = args.ScrapeTimeout });
        await PromTest.WaitUntilAsync(() => Task.FromResult(sink.Samples.Any(s => s.Labels.MetricName == "up" && StaleMarker.IsStale(s.Value))), TimeSpan.FromSeconds(10), "stale markers for the removed target");
        Assert.Empty(c.Targets);
        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task ScrapingPrometheusItselfYieldsTheSampleCountPrometheusRecords()
    {
        await using var prom = await PrometheusProcess.StartAsync();
        var (loop, _, http) = Loop(prom.BaseUrl);
        using var _h = http;
        // Let Prometheus scrape itself a few times first, so both of us see a settled metric set.
        const string query = "scrape_samples_scraped{job=\"prometheus\"}";
        await PromTest.WaitUntilAsync(async () => (await prom.QueryAsync(query)).Count == 1, TimeSpan.FromSeconds(20), "Prometheus to scrape itself");
        await Task.Delay(2000);
        var ours = await loop.ScrapeOnceAsync(CancellationToken.None);
        Assert.True(ours.Up, ours.Error);
        var theirs = Assert.Single(await prom.QueryAsync(query)).Value;
        // Same target, scrapes a fraction of a second apart: counts differ only by series that appear over time.
        Assert.InRange(ours.SamplesScraped, theirs * 0.95, theirs * 1.05);
        Assert.True(ours.SamplesScraped > 300, $"only {ours.SamplesScraped} samples");
    }
}
