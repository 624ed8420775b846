using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace River.Integration;

/// <summary>The seed "Metrics" example run by <c>river run</c>; they share no state with other classes, so run in parallel with them.</summary>
[CollectionDefinition("prometheus seed example")]
public sealed class SeedExampleCollection;

/// <summary>
/// The beyla.ebpf reference's "Metrics" example, verbatim with its placeholders filled, run by the real <c>river run</c>
/// process next to a second file that scrapes a node exporter into the same remote_write. A real Prometheus 2.42
/// behind basic auth receives both; PromQL shows beyla's RED series and the node's. Every exposition River serves
/// passes <c>promtool check metrics</c>.
/// </summary>
[Collection("prometheus seed example")]
public sealed class SeedMetricsExampleTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    /// <inheritdoc/>
    public void Dispose() => _dir.Dispose();

    /// <summary>The example exactly as the reference prints it, placeholders in angle brackets.</summary>
    private const string SeedExample = """
        beyla.ebpf "default" {
            open_port = <OPEN_PORT>
        }

        prometheus.scrape "beyla" {
          targets = beyla.ebpf.default.targets
          honor_labels = true // required to keep job and instance labels
          forward_to = [prometheus.remote_write.demo.receiver]
        }

        prometheus.remote_write "demo" {
          endpoint {
            url = <PROMETHEUS_REMOTE_WRITE_URL>

            basic_auth {
              username = <USERNAME>
              password = <PASSWORD>
            }
          }
        }
        """;

    [Fact]
    public async Task The_seed_metrics_example_delivers_beylas_red_series_and_the_node_exporters_series_to_prometheus_behind_basic_auth()
    {
        if (!PrometheusPeer.Installed || !NodeExporterPeer.Installed || Environment.UserName != "root")
        {
            output.WriteLine("skipped: needs root (eBPF), prometheus and prometheus-node-exporter");
            return;
        }

        await using var prometheus = await PrometheusPeer.StartAsync(Path.Combine(_dir.Path, "prometheus"), basicAuth: true);
        using var node = await NodeExporterPeer.StartAsync();
        var servicePort = RiverProcess.FreePort();
        using var service = StartHttpService(servicePort);
        await WaitListeningAsync(servicePort);

        // The placeholders: open_port is a number, the others strings.
        var config = Path.Combine(_dir.Path, "config");
        Directory.CreateDirectory(config);
        await File.WriteAllTextAsync(Path.Combine(config, "metrics.alloy"), SeedExample
            .Replace("<OPEN_PORT>", servicePort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("<PROMETHEUS_REMOTE_WRITE_URL>", $"\"{prometheus.WriteUrl}\"", StringComparison.Ordinal)
            .Replace("<USERNAME>", $"\"{PrometheusPeer.User}\"", StringComparison.Ordinal)
            .Replace("<PASSWORD>", $"\"{PrometheusPeer.Password}\"", StringComparison.Ordinal));
        await File.WriteAllTextAsync(Path.Combine(config, "node.alloy"), $$"""
            prometheus.scrape "node" {
              targets         = [{"__address__" = "{{node.Address}}"}]
              forward_to      = [prometheus.remote_write.demo.receiver]
              scrape_interval = "5s"
              scrape_timeout  = "5s"
            }
            """);
        using var river = await RunningRiver.StartAsync(_dir, config);

        // Traffic for beyla to see once the service is instrumented; discovery runs on an interval, so requests go on
        // until the first one shows on beyla's own route, then a known number more.
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var beylaRoute = "/api/v0/component/beyla.ebpf.default/metrics";
        var seen = await RunningRiver.PollAsync(
            async () =>
            {
                await client.GetAsync(new Uri($"http://127.0.0.1:{servicePort}/"));
                return (await river.GetAsync(beylaRoute)).Body.Contains($"server_port=\"{servicePort}\"", StringComparison.Ordinal);
            },
            TimeSpan.FromSeconds(90),
            intervalMs: 500);
        Assert.True(seen is not null, "beyla never reported the service\n" + river.Process.Stderr);
        for (var i = 0; i < 5; i++)
        {
            await client.GetAsync(new Uri($"http://127.0.0.1:{servicePort}/missing-{i}"));
        }

        // What beyla counts for the 404s is exactly the five requests above; Prometheus must end up with the same
        // number. The example keeps Alloy's default 1 m scrape interval, so this can take a little over a minute.
        var query = $"http_server_request_duration_seconds_count{{server_port=\"{servicePort}\",http_response_status_code=\"404\"}}";
        var arrived = await RunningRiver.PollAsync(async () => await prometheus.ScalarAsync(query) == 5, TimeSpan.FromSeconds(180), intervalMs: 1000);
        Assert.True(arrived is not null, $"{query} is {await prometheus.ScalarAsync(query)} in Prometheus\n--- river ---\n{river.Process.Stderr}");

        var series = Assert.Single(await prometheus.QueryAsync(query));
        Assert.Equal("GET", series.Metric["http_request_method"]);
        Assert.StartsWith("python3", series.Metric["service_name"], StringComparison.Ordinal);

        // honor_labels = true: job and instance are beyla's own, not the scrape's defaults.
        Assert.Equal(series.Metric["service_name"], series.Metric["job"]);
        Assert.NotEqual("prometheus.scrape.beyla", series.Metric["job"]);
        var buckets = await prometheus.QueryAsync($"http_server_request_duration_seconds_bucket{{server_port=\"{servicePort}\",http_response_status_code=\"404\",le=\"+Inf\"}}");
        Assert.Equal("5", Assert.Single(buckets).Value);

        // The node exporter's series through the same remote_write, labelled by the second file's scrape.
        var memTotal = await RunningRiver.PollAsync(async () => await prometheus.ScalarAsync($"node_memory_MemTotal_bytes{{job=\"prometheus.scrape.node\",instance=\"{node.Address}\"}}") is not null, TimeSpan.FromSeconds(60), intervalMs: 1000);
        Assert.True(memTotal is not null, "no node_memory_MemTotal_bytes in Prometheus\n" + river.Process.Stderr);
        Assert.Equal(MemTotalBytes(), await prometheus.ScalarAsync($"node_memory_MemTotal_bytes{{job=\"prometheus.scrape.node\"}}"));
        Assert.Equal(1, await prometheus.ScalarAsync($"up{{job=\"prometheus.scrape.node\"}}"));
        Assert.True(await prometheus.ScalarAsync($"count({{job=\"prometheus.scrape.node\"}})") > 200);

        // promtool accepts every exposition River serves: its own /metrics and beyla's component route.
        foreach (var path in new[] { "/metrics", beylaRoute })
        {
            var (status, body) = await river.GetAsync(path);
            Assert.Equal(System.Net.HttpStatusCode.OK, status);
            var (code, text) = await Promtool.CheckMetricsAsync(body);
            Assert.True(code == 0, $"promtool check metrics on {path}: exit {code}\n{text}");
        }

        Assert.DoesNotContain(PrometheusPeer.Password, river.Process.Stderr, StringComparison.Ordinal);
    }

    private static ChildProcess StartHttpService(int port)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = Path.GetTempPath() };
        foreach (var a in new[] { "-m", "http.server", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1" })
        {
            start.ArgumentList.Add(a);
        }

        var p = Process.Start(start)!;
        p.ErrorDataReceived += (_, _) => { };
        p.OutputDataReceived += (_, _) => { };
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        return new ChildProcess(p);
    }

    private static async Task WaitListeningAsync(int port)
    {
        using var http = new HttpClient();
        var ok = await RunningRiver.PollAsync(
            async () =>
            {
                try
                {
                    await http.GetAsync(new Uri($"http://127.0.0.1:{port}/"));
                    return true;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(30),
            intervalMs: 100);
        Assert.True(ok is not null, $"python http.server did not listen on {port}");
    }

    private static double MemTotalBytes()
    {
        var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        return double.Parse(line["MemTotal:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture) * 1024;
    }
}
