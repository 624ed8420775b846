using System.Diagnostics;
using River.Tests.Prom;
using Xunit.Abstractions;

namespace River.Tests.Pipelines;

/// <summary>
/// <c>promtool check metrics</c> (Prometheus 2.42's linter) accepts River's /metrics with every non-eBPF component of
/// the catalog running and busy, so each one's families are on the page. (beyla.ebpf's own route is checked by the
/// process-level seed-example test in tests/Integration, which runs as root with a real service.)
/// </summary>
public sealed class ExpositionLintTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Promtool_finds_nothing_to_report_on_rivers_metrics_page_with_every_component_running()
    {
        if (!File.Exists("/usr/bin/promtool"))
        {
            output.WriteLine("skipped: apt-get install -y --no-install-recommends prometheus");
            return;
        }

        using var receiver = new TinyHttpServer((_, _) => (204, "", [], null));
        var grpcPort = PromTest.FreePort();
        var httpPort = PromTest.FreePort();
        var config = $$"""
            discovery.relabel "self" {
              targets = [{"__address__" = "river.internal:12345"}]
              rule {
                target_label = "pipeline"
                replacement  = "lint"
              }
            }

            prometheus.scrape "self" {
              targets         = discovery.relabel.self.output
              forward_to      = [prometheus.relabel.keep.receiver]
              scrape_interval = "200ms"
              scrape_timeout  = "200ms"
            }

            prometheus.relabel "keep" {
              forward_to = [prometheus.remote_write.sink.receiver]
              rule {
                action        = "drop"
                source_labels = ["__name__"]
                regex         = "go_gc_.*"
              }
            }

            prometheus.remote_write "sink" {
              endpoint {
                url = "{{receiver.Url}}/api/v1/write"
                queue_config { batch_send_deadline = "100ms" }
              }
            }

            otelcol.receiver.otlp "in" {
              grpc { endpoint = "127.0.0.1:{{grpcPort}}" }
              http { endpoint = "127.0.0.1:{{httpPort}}" }
              output { traces = [otelcol.processor.batch.b.input] }
            }

            otelcol.processor.batch "b" {
              timeout = "100ms"
              output { traces = [otelcol.exporter.debug.d.input, otelcol.exporter.otlp.o.input, otelcol.exporter.otlphttp.h.input] }
            }

            otelcol.exporter.debug "d" {}

            otelcol.exporter.otlp "o" {
              client {
                endpoint = "127.0.0.1:1"
                tls { insecure = true }
              }
            }

            otelcol.exporter.otlphttp "h" {
              client { endpoint = "http://127.0.0.1:1" }
            }
            """;
        await using var river = await PipelineHost.StartAsync(config);

        // Let samples flow so that the labelled families (per endpoint, per reason) have series.
        await PipelineHost.WaitUntilAsync(
            async () => await river.MetricAsync("prometheus_remote_storage_samples_total", "component_id=\"prometheus.remote_write.sink\"") > 0,
            TimeSpan.FromSeconds(30),
            () => "nothing was sent\n" + river.Log);
        var page = await river.MetricsAsync();

        var (code, text) = await PromtoolAsync(page);
        Assert.True(code == 0, $"promtool check metrics: exit {code}\n{text}");
        Assert.Contains("prometheus_scrape_targets{", page, StringComparison.Ordinal);
        Assert.Contains("prometheus_remote_write_wal_samples_appended_total{", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promtool_itself_rejects_a_type_in_a_metric_name_so_the_check_above_has_teeth()
    {
        if (!File.Exists("/usr/bin/promtool"))
        {
            return;
        }

        var (code, text) = await PromtoolAsync("# HELP x_gauge Help.\n# TYPE x_gauge gauge\nx_gauge 1\n");
        Assert.NotEqual(0, code);
        Assert.Contains("should not include type", text, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output)> PromtoolAsync(string exposition)
    {
        var start = new ProcessStartInfo("/usr/bin/promtool") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("check");
        start.ArgumentList.Add("metrics");
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.StandardInput.WriteAsync(exposition);
        p.StandardInput.Close();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout + await stderr);
    }
}
