using System.Globalization;
using River.Runtime;
using River.Tests.BeylaEndToEnd;
using Xunit.Abstractions;

namespace River.Tests.BeylaNetwork;

/// <summary>
/// nginx proxying to an instrumented python server, with <c>application_span</c>, <c>application_service_graph</c>
/// and <c>application_process</c> on: the service-graph edge nginx → python counts exactly the proxied requests,
/// span metrics count the requests per service and kind, and process metrics grow for both processes.
/// </summary>
[Collection(BeylaEndToEndCollection.Name)]
public sealed class ApplicationFeaturesEndToEndTests(ITestOutputHelper output)
{
    private const string Id = "beyla.ebpf.app";

    private static double Value(string text, string metric, Func<Dictionary<string, string>, bool> match) =>
        Exposition.Samples(text).Where(s => s.Name == metric && match(s.Labels)).Sum(s => s.Value);

    /// <summary>The service name discovery gave <paramref name="pids"/> (from traces_target_info's instance hostname:pid).</summary>
    private static string? ServiceOf(string text, IEnumerable<int> pids)
    {
        var suffixes = pids.Select(p => ":" + p.ToString(CultureInfo.InvariantCulture)).ToList();
        return Exposition.Samples(text).FirstOrDefault(s => s.Name == "traces_target_info"
            && suffixes.Any(x => s.Labels.GetValueOrDefault("instance", "").EndsWith(x, StringComparison.Ordinal))).Labels?.GetValueOrDefault("service_name");
    }

    [Fact]
    public async Task NginxProxyingToPythonGivesOneEdgeSpanCountsPerServiceAndGrowingProcessMetrics()
    {
        if (EndToEndPrerequisites.Missing() is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }

        using var python = TestServer.Python();
        using var nginx = TestServer.Nginx(proxyPort: python.Port);
        await using var river = await RiverUnderTest.StartAsync($$"""
            beyla.ebpf "app" {
              open_port = "{{nginx.Port}},{{python.Port}}"
              metrics {
                features = ["application", "application_span", "application_service_graph", "application_process"]
              }
            }
            """);
        await river.WaitTracedAsync(Id, nginx);
        await river.WaitTracedAsync(Id, python);

        const int proxied = 7;
        var statuses = HttpClients.Curl([.. Enumerable.Repeat(nginx.Url("/proxy/hello.txt"), proxied)]);
        Assert.Equal(Enumerable.Repeat(200, proxied), statuses);

        var nginxPids = new[] { nginx.Pid }.Concat(TestServer.Children(nginx.Pid)).ToList();
        string? nginxName = null, pythonName = null;
        var text = await river.ScrapeUntilAsync(Id, t =>
        {
            nginxName = ServiceOf(t, nginxPids);
            pythonName = ServiceOf(t, [python.Pid]);
            return nginxName is not null && pythonName is not null
                && Value(t, "traces_service_graph_request_total", l => l["client"] == nginxName && l["server"] == pythonName) >= proxied;
        }, TimeSpan.FromSeconds(30));
        output.WriteLine($"nginx service {nginxName}, python service {pythonName}");
        foreach (var line in text.Split('\n').Where(l => l.StartsWith("traces_service_graph_request_total", StringComparison.Ordinal)
            || l.StartsWith("traces_spanmetrics_calls_total", StringComparison.Ordinal)))
        {
            output.WriteLine(line);
        }

        Assert.NotNull(nginxName);
        Assert.NotNull(pythonName);
        // The edge: exactly the proxied requests (server spans at python paired with nginx's client spans).
        Assert.Equal(proxied, Value(text, "traces_service_graph_request_total", l => l["client"] == nginxName && l["server"] == pythonName));
        Assert.Equal(0, Value(text, "traces_service_graph_request_failed_total", l => l["client"] == nginxName && l["server"] == pythonName));
        Assert.Equal(proxied, Value(text, "traces_service_graph_request_client_seconds_count", l => l["client"] == nginxName && l["server"] == pythonName));
        Assert.Equal(proxied, Value(text, "traces_service_graph_request_server_seconds_count", l => l["client"] == nginxName && l["server"] == pythonName));
        Assert.All(Exposition.Samples(text).Where(s => s.Name == "traces_service_graph_request_total"), s => Assert.Equal("beyla", s.Labels["source"]));

        // Span metrics: GET spans per service and kind (the HEAD probes have their own span names).
        double Calls(string? service, string kind) => Value(text, "traces_spanmetrics_calls_total",
            l => l["service_name"] == service && l["span_kind"] == kind && l["span_name"].StartsWith("GET", StringComparison.Ordinal));
        Assert.Equal(proxied, Calls(nginxName, "SPAN_KIND_SERVER"));
        Assert.Equal(proxied, Calls(nginxName, "SPAN_KIND_CLIENT"));
        Assert.Equal(proxied, Calls(pythonName, "SPAN_KIND_SERVER"));
        Assert.Equal(proxied, Value(text, "traces_spanmetrics_latency_count",
            l => l["service_name"] == pythonName && l["span_kind"] == "SPAN_KIND_SERVER" && l["span_name"].StartsWith("GET", StringComparison.Ordinal)));
        Assert.All(Exposition.Samples(text).Where(s => s.Name == "traces_spanmetrics_calls_total"), s =>
        {
            Assert.Equal("beyla", s.Labels["source"]);
            Assert.Equal("STATUS_CODE_UNSET", s.Labels["status_code"]);
        });

        // Process metrics: present for both, and growing while they serve traffic.
        var nginxPid = TestServer.Children(nginx.Pid).First().ToString(CultureInfo.InvariantCulture);
        var pythonPid = python.Pid.ToString(CultureInfo.InvariantCulture);
        double Network(string t, string pid) => Value(t, "process_network_io_bytes_total", l => l["process_pid"] == pid);
        double Cpu(string t, string pid) => Value(t, "process_cpu_time_seconds_total", l => l["process_pid"] == pid);
        var first = await river.ScrapeUntilAsync(Id, t => Network(t, nginxPid) > 0 && Network(t, pythonPid) > 0, TimeSpan.FromSeconds(20));
        foreach (var pid in new[] { nginxPid, pythonPid })
        {
            Assert.True(Value(first, "process_memory_usage_bytes", l => l["process_pid"] == pid) > 0, $"no resident memory for {pid}");
            Assert.True(Value(first, "process_memory_virtual_bytes", l => l["process_pid"] == pid) > 0, $"no virtual memory for {pid}");
            Assert.Contains(Exposition.Samples(first), s => s.Name == "process_cpu_time_seconds_total" && s.Labels["process_pid"] == pid
                && s.Labels["cpu_mode"] == "user" && s.Labels["process_owner"].Length > 0 && s.Labels["process_parent_pid"].Length > 0);
            Assert.Contains(Exposition.Samples(first), s => s.Name == "process_disk_io_bytes_total" && s.Labels["process_pid"] == pid && s.Labels["disk_io_direction"] == "read");
        }

        Assert.Contains(Exposition.Samples(first), s => s.Name == "process_cpu_time_seconds_total" && s.Labels["process_pid"] == nginxPid && s.Labels["process_command"] == "nginx");
        HttpClients.Curl([.. Enumerable.Repeat(nginx.Url("/proxy/hello.txt"), 200)]);
        var second = await river.ScrapeUntilAsync(Id, t => Network(t, nginxPid) > Network(first, nginxPid) && Network(t, pythonPid) > Network(first, pythonPid),
            TimeSpan.FromSeconds(20));
        Assert.True(Network(second, nginxPid) > Network(first, nginxPid));
        Assert.True(Network(second, pythonPid) > Network(first, pythonPid));
        Assert.True(Cpu(second, pythonPid) >= Cpu(first, pythonPid));
        Assert.True(Cpu(second, nginxPid) >= Cpu(first, nginxPid));
        Assert.True(Cpu(second, pythonPid) > 0);
        Assert.Equal(HealthState.Healthy, river.Health(Id).State);
    }
}
