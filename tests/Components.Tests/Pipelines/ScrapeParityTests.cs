using System.Diagnostics;
using System.Globalization;
using System.Text;
using River.Tests.Prom;
using Xunit.Abstractions;

namespace River.Tests.Pipelines;

/// <summary>
/// Parsing parity with Prometheus 2.42: River and Prometheus scrape the same targets in the same test; River writes
/// what it scraped into that Prometheus; the HTTP query API then shows both sets side by side (jobs <c>river-*</c> and
/// <c>prom-*</c>), and they must be equal — label sets and values, synthetic series included.
/// </summary>
public sealed class ScrapeParityTests(ITestOutputHelper output)
{
    /// <summary>
    /// Text-format corners: escapes, special floats, untyped and typeless families, empty label values (absent in
    /// Prometheus), UTF-8, colons, exponents, comments, blank lines, a timestamped sample, histogram and summary.
    /// </summary>
    private static string EdgeText(long timestampMs) => $$"""

        # A free comment, ignored.
        # HELP edge_escapes_total Label values with \\ and \n escapes in the help.
        # TYPE edge_escapes_total counter
        edge_escapes_total{path="C:\\dir",quote="say \"hi\"",nl="a\nb"} 3
        edge_special{kind="nan"} NaN
        edge_special{kind="pinf"} +Inf
        edge_special{kind="ninf"} -Inf
        edge_special{kind="exp"} 1.5e-3
        edge_special{kind="big"} 1e+20
        edge_special{kind="neg"} -42.25
        edge_untyped_no_meta 7
        # TYPE edge_untyped untyped
        edge_untyped{b="2",a="1"} 8
        edge_empty_label{empty="",kept="x"} 9
        edge_utf8{city="München",emoji="🚀"} 10
        edge:recording:rule_rate5m{job_label="j"} 0.5
        edge_trailing_comma{a="1",} 11
        edge_timestamped{src="ts"} 12 {{timestampMs}}
        # HELP edge_latency_seconds A histogram.
        # TYPE edge_latency_seconds histogram
        edge_latency_seconds_bucket{le="0.1"} 1
        edge_latency_seconds_bucket{le="1"} 3
        edge_latency_seconds_bucket{le="+Inf"} 4
        edge_latency_seconds_sum 2.5
        edge_latency_seconds_count 4
        # HELP edge_rpc_seconds A summary.
        # TYPE edge_rpc_seconds summary
        edge_rpc_seconds{quantile="0.5"} 0.2
        edge_rpc_seconds{quantile="0.99"} 0.9
        edge_rpc_seconds_sum 11
        edge_rpc_seconds_count 40

        """;

    /// <summary>OpenMetrics corners: units, <c>_total</c>/<c>_created</c>, exemplars, info and stateset types, # EOF.</summary>
    private const string EdgeOpenMetrics = """
        # TYPE om_requests counter
        # UNIT om_requests requests
        # HELP om_requests Requests.
        om_requests_total{code="200"} 100 # {trace_id="abc123"} 1.0
        om_requests_created{code="200"} 1.7e9
        # TYPE om_temperature_celsius gauge
        # UNIT om_temperature_celsius celsius
        om_temperature_celsius 21.5
        # TYPE om_build info
        om_build_info{version="1.2.3"} 1
        # TYPE om_state stateset
        om_state{om_state="on"} 1
        om_state{om_state="off"} 0
        # TYPE om_size_bytes histogram
        om_size_bytes_bucket{le="100"} 2
        om_size_bytes_bucket{le="+Inf"} 3
        om_size_bytes_sum 350
        om_size_bytes_count 3
        # EOF

        """;

    [Fact]
    public async Task River_and_prometheus_store_the_same_samples_from_node_exporter_prometheus_metrics_and_edge_case_expositions()
    {
        if (!File.Exists("/usr/bin/prometheus") || !File.Exists("/usr/bin/prometheus-node-exporter"))
        {
            output.WriteLine("skipped: apt-get install -y --no-install-recommends prometheus prometheus-node-exporter");
            return;
        }

        using var node = await NodeExporter.StartAsync();

        // Snapshots of two real expositions in text format 0.0.4 (no Accept header), served verbatim next to the edge
        // cases, so both scrapers see byte-identical bodies and the values must match too.
        await using var snapshotSource = await PrometheusProcess.StartAsync();
        using var fetch = new HttpClient();
        var nodeSnapshot = await fetch.GetByteArrayAsync($"http://{node.Address}/metrics");
        var promSnapshot = await fetch.GetByteArrayAsync($"{snapshotSource.BaseUrl}/metrics");
        var edgeText = Encoding.UTF8.GetBytes(EdgeText(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 10_000));
        var edgeOm = Encoding.UTF8.GetBytes(EdgeOpenMetrics);
        const string Text = "text/plain; version=0.0.4; charset=utf-8";
        using var server = new TinyHttpServer((req, _) => req.Url!.AbsolutePath switch
        {
            "/node" => (200, Text, nodeSnapshot, null),
            "/prom" => (200, Text, promSnapshot, null),
            "/edge" => (200, Text, edgeText, null),
            "/om" => (200, "application/openmetrics-text; version=1.0.0; charset=utf-8", edgeOm, null),
            _ => (404, "text/plain", [], null),
        });

        // Prometheus scrapes the same five targets (jobs prom-*) and receives River's scrapes (jobs river-*).
        var paths = new[] { "node", "prom", "edge", "om" };
        var yaml = new StringBuilder();
        yaml.Append(CultureInfo.InvariantCulture, $"  - job_name: prom-live-node\n    static_configs: [ {{ targets: ['{node.Address}'] }} ]\n");
        foreach (var p in paths)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  - job_name: prom-{p}\n    metrics_path: /{p}\n    static_configs: [ {{ targets: ['127.0.0.1:{server.Port}'] }} ]\n");
        }

        await using var prometheus = await PrometheusProcess.StartAsync(extraScrapeConfigs: yaml.ToString());
        var river = new StringBuilder();
        river.Append(CultureInfo.InvariantCulture, $$"""
            prometheus.scrape "live_node" {
              targets         = [{"__address__" = "{{node.Address}}"}]
              forward_to      = [prometheus.remote_write.prom.receiver]
              job_name        = "river-live-node"
              scrape_interval = "1s"
              scrape_timeout  = "1s"
            }

            prometheus.remote_write "prom" {
              endpoint {
                url = "{{prometheus.WriteUrl}}"
                queue_config { batch_send_deadline = "100ms" }
              }
            }

            """);
        foreach (var p in paths)
        {
            river.Append(CultureInfo.InvariantCulture, $$"""
                prometheus.scrape "{{p}}" {
                  targets         = [{"__address__" = "127.0.0.1:{{server.Port}}", "__metrics_path__" = "/{{p}}"}]
                  forward_to      = [prometheus.remote_write.prom.receiver]
                  job_name        = "river-{{p}}"
                  scrape_interval = "1s"
                  scrape_timeout  = "1s"
                }

                """);
        }

        await using var host = await PipelineHost.StartAsync(river.ToString());

        // Both sides must have scraped every target successfully a few times.
        foreach (var job in paths.Append("live-node"))
        {
            await PipelineHost.WaitUntilAsync(
                async () => (await prometheus.QueryAsync($"count_over_time(up{{job=~\"(river|prom)-{job}\"}}[1m]) >= 3 and up == 1")).Count == 2,
                TimeSpan.FromSeconds(90),
                () => $"up for {job}: " + string.Join(", ", prometheus.QueryAsync($"up{{job=~\"(river|prom)-{job}\"}}").Result.Select(r => $"{r.Metric["job"]}={r.Value}")) + "\n" + host.Log);
        }

        // River's samples travel through remote_write: let the last scrapes land before comparing.
        await Task.Delay(TimeSpan.FromSeconds(3));
        foreach (var p in paths)
        {
            var riverSeries = await SeriesAsync(prometheus, $"river-{p}", withValues: true);
            var promSeries = await SeriesAsync(prometheus, $"prom-{p}", withValues: true);
            output.WriteLine($"{p}: River {riverSeries.Count} series, Prometheus {promSeries.Count}");
            AssertSameSeries(p, promSeries, riverSeries);
        }

        // The live exporter changes its values between scrapes, but the series (name and labels) are the same.
        var riverLive = await SeriesAsync(prometheus, "river-live-node", withValues: false);
        var promLive = await SeriesAsync(prometheus, "prom-live-node", withValues: false);
        output.WriteLine($"live node exporter: River {riverLive.Count} series, Prometheus {promLive.Count}");
        Assert.True(promLive.Count > 200, $"only {promLive.Count} node exporter series");
        AssertSameSeries("live-node", promLive, riverLive);
    }

    // Every series of a job at the latest evaluation, keyed by its labels without `job`. Values are compared as the
    // API prints them ("NaN", "+Inf", "1e+20"), which is Prometheus's own formatting for both sides. The values of
    // the series that measure the scrape itself (its duration, new-series count) differ legitimately and are blanked.
    private static async Task<Dictionary<string, string>> SeriesAsync(PrometheusProcess prometheus, string job, bool withValues)
    {
        var rows = await prometheus.QueryRawAsync($"{{job=\"{job}\"}}");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (metric, value) in rows)
        {
            metric.Remove("job");
            var key = string.Join(",", metric.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
            var name = metric["__name__"];
            var timing = name is "scrape_duration_seconds" or "scrape_series_added";
            result[key] = withValues && !timing ? value : "";
        }

        return result;
    }

    private static void AssertSameSeries(string what, Dictionary<string, string> prometheus, Dictionary<string, string> river)
    {
        var onlyProm = prometheus.Keys.Except(river.Keys).Order(StringComparer.Ordinal).ToList();
        var onlyRiver = river.Keys.Except(prometheus.Keys).Order(StringComparer.Ordinal).ToList();
        var differ = prometheus.Keys.Intersect(river.Keys).Where(k => prometheus[k] != river[k]).Select(k => $"{k}: Prometheus {prometheus[k]}, River {river[k]}").ToList();
        Assert.True(
            onlyProm.Count == 0 && onlyRiver.Count == 0 && differ.Count == 0,
            $"{what}:\nonly Prometheus has {onlyProm.Count}: {string.Join("\n  ", onlyProm.Take(20))}\nonly River has {onlyRiver.Count}: {string.Join("\n  ", onlyRiver.Take(20))}\ndifferent values {differ.Count}: {string.Join("\n  ", differ.Take(20))}");
    }

    /// <summary>Debian's prometheus-node-exporter on a free loopback port, killed by PID on dispose.</summary>
    private sealed class NodeExporter : IDisposable
    {
        private readonly Process _process;

        private NodeExporter(Process process, int port)
        {
            _process = process;
            Address = $"127.0.0.1:{port}";
        }

        public string Address { get; }

        public static async Task<NodeExporter> StartAsync()
        {
            var port = PromTest.FreePort();
            var start = new ProcessStartInfo("/usr/bin/prometheus-node-exporter") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            start.ArgumentList.Add($"--web.listen-address=127.0.0.1:{port}");
            var process = Process.Start(start)!;
            process.ErrorDataReceived += (_, _) => { };
            process.OutputDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            var exporter = new NodeExporter(process, port);
            using var http = new HttpClient();
            await PromTest.WaitUntilAsync(
                async () =>
                {
                    if (process.HasExited)
                    {
                        throw new InvalidOperationException($"node exporter exited with {process.ExitCode}");
                    }

                    try
                    {
                        return (await http.GetAsync($"http://{exporter.Address}/metrics")).IsSuccessStatusCode;
                    }
                    catch (HttpRequestException)
                    {
                        return false;
                    }
                },
                TimeSpan.FromSeconds(60),
                "node exporter to answer");
            return exporter;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }

            _process.Dispose();
        }
    }
}
