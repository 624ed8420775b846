namespace River.Integration;

/// <summary>Test-only configurations built from components of the catalog.</summary>
internal static class Configs
{
    /// <summary>A valid pipeline touching four catalog components, two of them wired together.</summary>
    public const string Valid = """
        discovery.relabel "hosts" {
          targets = [{"__address__" = "localhost:9090", "env" = "test"}]

          rule {
            source_labels = ["__address__"]
            target_label  = "instance"
          }
        }

        prometheus.relabel "drop_debug" {
          forward_to = []

          rule {
            action        = "drop"
            source_labels = ["level"]
            regex         = "debug"
          }
        }

        otelcol.exporter.debug "console" {}

        otelcol.processor.batch "default" {
          timeout = "1s"

          output {
            traces = [otelcol.exporter.debug.console.input]
          }
        }
        """;

    /// <summary>One <c>discovery.relabel</c> block whose single target address is <paramref name="address"/>.</summary>
    public static string Relabel(string label, string address) => $$"""
        discovery.relabel "{{label}}" {
          targets = [{"__address__" = "{{address}}"}]

          rule {
            source_labels = ["__address__"]
            target_label  = "instance"
          }
        }

        """;
}
