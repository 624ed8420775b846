using System.Text;
using River.Components.Prom;
using River.Components.Prom.Scrape;
using River.Components.Telemetry.Metrics;
using River.Runtime;
using River.Values;

namespace River.Tests.Prom;

/// <summary>
/// scrape_fallback_protocol: a body whose Content-Type is missing or unknown (a plain file server answers
/// <c>application/octet-stream</c>) is parsed with the fallback protocol, as Alloy does, instead of failing the scrape.
/// </summary>
public sealed class ScrapeFallbackProtocolTests
{
    private static async Task<(ScrapeResult Result, CollectingReceiver Sink)> ScrapeAsync(string contentType, string body, ScrapeArguments args)
    {
        using var server = new TinyHttpServer((_, _) => (200, contentType, Encoding.UTF8.GetBytes(body), null));
        var sink = new CollectingReceiver();
        args.ForwardTo = [sink];
        var target = ScrapeTarget.Resolve(new Dictionary<string, string> { ["__address__"] = $"127.0.0.1:{server.Port}" }, args, "prometheus.scrape.test", out var error)!;
        Assert.Null(error);
        using var http = new HttpClient();
        var loop = new ScrapeLoop(target, args, http, new MessageLog(), new PipelineMetrics(null, "prometheus.scrape.test")) { ForwardTo = [sink] };
        return (await loop.ScrapeOnceAsync(CancellationToken.None), sink);
    }

    [Fact]
    public async Task An_octet_stream_body_is_parsed_as_prometheus_text_by_default()
    {
        var (r, sink) = await ScrapeAsync("application/octet-stream", "# TYPE files_total counter\nfiles_total{kind=\"a\"} 3\n", new ScrapeArguments());

        Assert.True(r.Up, r.Error);
        Assert.Equal(3, sink.Samples.Single(s => s.Labels.MetricName == "files_total").Value);
    }

    [Fact]
    public async Task An_openmetrics_fallback_parses_an_unlabelled_body_as_openmetrics()
    {
        // With OpenMetrics the `# EOF` line is required and `_total` belongs to the counter family.
        var (r, sink) = await ScrapeAsync("application/octet-stream", "# TYPE req counter\nreq_total 5\n# EOF\n", new ScrapeArguments { ScrapeFallbackProtocol = "OpenMetricsText1.0.0" });

        Assert.True(r.Up, r.Error);
        Assert.Equal(5, sink.Samples.Single(s => s.Labels.MetricName == "req_total").Value);
    }

    [Fact]
    public async Task Without_a_fallback_an_unknown_content_type_fails_the_scrape_with_the_type_named()
    {
        var (r, _) = await ScrapeAsync("application/octet-stream", "x 1\n", new ScrapeArguments { ScrapeFallbackProtocol = "" });

        Assert.False(r.Up);
        Assert.Contains("application/octet-stream", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_fallback_protocol_is_a_validation_error()
    {
        var ctx = new ValidationContext();
        new ScrapeArguments { ScrapeFallbackProtocol = "PrometheusProto" }.Validate(ctx);

        var (name, message) = Assert.Single(ctx.Errors);
        Assert.Equal("scrape_fallback_protocol", name);
        Assert.Contains("PrometheusText0.0.4", message, StringComparison.Ordinal);
    }
}
