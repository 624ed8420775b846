using River.Tests.Pipelines;

namespace River.Tests.Otelcol;

/// <summary>Each otelcol component exposes its own metric families only, named as the Collector names them.</summary>
public sealed class OtelcolMetricsTests
{
    [Fact]
    public async Task EachComponentListsOnlyItsOwnFamiliesUnderItsComponentId()
    {
        await using var river = await PipelineHost.StartAsync($$"""
            otelcol.receiver.otlp "in" {
              http { endpoint = "127.0.0.1:{{PipelineHost.FreePort()}}" }
              output { traces = [otelcol.processor.batch.b.input] }
            }

            otelcol.processor.batch "b" {
              output { traces = [otelcol.exporter.otlp.out.input] }
            }

            otelcol.exporter.otlp "out" {
              client {
                endpoint = "127.0.0.1:{{PipelineHost.FreePort()}}"
                tls { insecure = true }
              }
            }
            """);

        var families = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var line in (await river.MetricsAsync()).Split('\n'))
        {
            const string marker = "component_id=\"";
            var at = line.IndexOf(marker, StringComparison.Ordinal);
            if (line.StartsWith('#') || !line.StartsWith("otelcol_", StringComparison.Ordinal) || at < 0)
            {
                continue;
            }

            var id = line[(at + marker.Length)..line.IndexOf('"', at + marker.Length)];
            var name = line[..line.IndexOfAny(['{', ' '])];
            foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
            {
                if (name.StartsWith("otelcol_processor_batch_batch_send_size", StringComparison.Ordinal) && name.EndsWith(suffix, StringComparison.Ordinal))
                {
                    name = name[..^suffix.Length];
                }
            }

            (families.TryGetValue(id, out var set) ? set : families[id] = new SortedSet<string>(StringComparer.Ordinal)).Add(name);
        }

        Assert.Equal(
            ["otelcol_receiver_accepted_spans_total", "otelcol_receiver_refused_spans_total"],
            families["otelcol.receiver.otlp.in"]);
        Assert.Equal(
            [
                "otelcol_processor_batch_batch_send_size", "otelcol_processor_batch_batch_send_size_bytes",
                "otelcol_processor_batch_batch_size_trigger_send_total", "otelcol_processor_batch_metadata_cardinality",
                "otelcol_processor_batch_timeout_trigger_send_total",
            ],
            families["otelcol.processor.batch.b"]);
        Assert.Equal(
            [
                "otelcol_exporter_enqueue_failed_spans_total", "otelcol_exporter_queue_capacity", "otelcol_exporter_queue_size",
                "otelcol_exporter_rejected_spans_total", "otelcol_exporter_retries_total", "otelcol_exporter_send_failed_spans_total",
                "otelcol_exporter_sent_spans_total",
            ],
            families["otelcol.exporter.otlp.out"]);
        Assert.Equal(1000d, await river.MetricAsync("otelcol_exporter_queue_capacity", "otelcol.exporter.otlp.out"));
    }
}
