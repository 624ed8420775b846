using System.Net;
using Xunit.Abstractions;

namespace River.Integration;

/// <summary>Many reloads in one process must not leak threads, file descriptors or memory.</summary>
[Collection("river run")]
public sealed class ReloadSoakTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    /// <inheritdoc/>
    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_thousand_reloads_alternating_two_configs_leave_threads_fds_and_rss_flat()
    {
        // Each reload swaps components: A runs a scrape loop of River's own in-memory /metrics (an HTTP client and a
        // timer) into a prometheus.relabel, B replaces them with an otelcol batch processor and debug exporter and
        // changes the arguments of the discovery.relabel both share, so every reload stops, starts and updates.
        var a = Configs.Relabel("hosts", "a:1") + Configs.Relabel("other", "o:3") + """
            prometheus.scrape "self" {
              targets         = [{"__address__" = "river.internal:12345", "__metrics_path__" = "/metrics"}]
              forward_to      = [prometheus.relabel.sink.receiver]
              scrape_interval = "1s"
              scrape_timeout  = "1s"
            }

            prometheus.relabel "sink" {
              forward_to = []

              rule {
                action        = "drop"
                source_labels = ["level"]
                regex         = "debug"
              }
            }

            """;
        var b = Configs.Relabel("hosts", "b:2") + """
            otelcol.exporter.debug "console" {}

            otelcol.processor.batch "default" {
              output {
                traces = [otelcol.exporter.debug.console.input]
              }
            }

            """;
        var config = _dir.Write("main.alloy", a);
        using var river = await RunningRiver.StartAsync(_dir, config, "--config.no-watch");

        // Warm-up: JIT, thread-pool growth and lazily opened files (assemblies mapped on first use) settle before the
        // baseline; measured by hand, the descriptor count stops moving between 100 and 400 reloads.
        await ReloadManyAsync(river, config, a, b, 400);
        var before = river.Process.Footprint();
        await ReloadManyAsync(river, config, a, b, 1000);
        await Task.Delay(1000);
        var after = river.Process.Footprint();

        var message = $"before {before}, after {after}";
        output.WriteLine(message);
        // A leak of one descriptor or thread per reload would show as +1 000; the tolerance covers the runtime's
        // own lazily opened files and thread-pool growth, which vary by a dozen with the machine's load.
        Assert.True(after.FileDescriptors - before.FileDescriptors <= 25, message);
        Assert.True(after.Threads - before.Threads <= 25, message);
        Assert.True(after.RssBytes - before.RssBytes <= 50L * 1024 * 1024, message);
        Assert.Equal(HttpStatusCode.OK, (await river.GetAsync("/-/ready")).Status);
    }

    private static async Task ReloadManyAsync(RunningRiver river, string config, string a, string b, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await File.WriteAllTextAsync(config, i % 2 == 0 ? b : a);
            var (status, body) = await river.ReloadAsync();
            Assert.True(status == HttpStatusCode.OK, $"reload {i}: {(int)status} {body}");
        }
    }
}
