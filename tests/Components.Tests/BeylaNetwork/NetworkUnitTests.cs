using System.Net;
using Prometheus;
using River.Components.Beyla;
using River.Components.Beyla.Attributes;
using River.Components.Beyla.Discovery;
using River.Components.Beyla.Network;
using River.Components.Beyla.Process;
using River.Components.Beyla.ServiceGraph;
using River.Components.Beyla.SpanMetrics;
using River.Tests.BeylaEndToEnd;

namespace River.Tests.BeylaNetwork;

/// <summary>The user-space parts of the network and application features, without the kernel.</summary>
public sealed class NetworkUnitTests
{
    private static FlowKey Key(string src, ushort srcPort, string dst, ushort dstPort, uint ifIndex = 1,
        FlowDirection direction = FlowDirection.Egress, byte transport = 6) => new()
        {
            SrcIp = Address16.From(IPAddress.Parse(src)),
            DstIp = Address16.From(IPAddress.Parse(dst)),
            SrcPort = srcPort,
            DstPort = dstPort,
            IfIndex = ifIndex,
            Direction = (byte)direction,
            Transport = transport,
            EthProtocol = 0x0800,
        };

    private static string Scrape(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        registry.CollectAndExportAsTextAsync(stream).GetAwaiter().GetResult();
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public void TheDeduperKeepsTheFirstInterfaceAndDirectionOfAFlowUntilItFallsSilent()
    {
        var deduper = new FlowDeduper(TimeSpan.FromSeconds(10));
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var egress = Key("127.0.0.1", 5000, "127.0.0.1", 80, 1, FlowDirection.Egress);
        var ingress = Key("127.0.0.1", 5000, "127.0.0.1", 80, 1, FlowDirection.Ingress);
        var otherIface = Key("127.0.0.1", 5000, "127.0.0.1", 80, 7, FlowDirection.Egress);
        Assert.True(deduper.Accept(egress, t0));
        Assert.False(deduper.Accept(ingress, t0));
        Assert.False(deduper.Accept(otherIface, t0.AddSeconds(5)));
        Assert.True(deduper.Accept(egress, t0.AddSeconds(9)));
        // Reverse direction of the conversation is another flow.
        Assert.True(deduper.Accept(Key("127.0.0.1", 80, "127.0.0.1", 5000, 1, FlowDirection.Ingress), t0));
        // After the owner is silent for longer than the TTL, the next reporter takes over.
        Assert.True(deduper.Accept(ingress, t0.AddSeconds(30)));
        deduper.Expire(t0.AddSeconds(100));
        Assert.Equal(0, deduper.Count);
    }

    [Fact]
    public void FlowMetricsApplyProtocolsCidrsFiltersAndTheSelection()
    {
        var registry = Metrics.NewCustomRegistry();
        var network = new NetworkMetricsBlock { Cidrs = ["10.0.0.0/8", "10.1.0.0/16"], ExcludeProtocols = ["UDP"] };
        var metrics = new NetworkMetrics(network,
            [new AttributeFilterBlock { Attr = "dst.port", NotMatch = "53" }],
            new AttributeSelection([new SelectBlock { Attr = "beyla_network_flow_bytes", Include = ["transport", "src_address"] }]),
            registry, "192.0.2.1");
        // An include list replaces the default set (direction and the cidrs), as for every other metric.
        Assert.Equal(["transport", "src_address"], metrics.BytesLabels);
        Assert.True(metrics.Record(new FlowRecord(Key("10.1.2.3", 4000, "10.9.9.9", 80), 1500, 2, 1, 2), "eth0"));
        Assert.True(metrics.Record(new FlowRecord(Key("10.1.2.3", 4000, "10.9.9.9", 80), 500, 1, 3, 4), "eth0"));
        Assert.False(metrics.Record(new FlowRecord(Key("10.1.2.3", 4000, "10.9.9.9", 80, transport: 17), 100, 1, 1, 1), "eth0"));
        Assert.False(metrics.Record(new FlowRecord(Key("10.1.2.3", 4000, "10.9.9.9", 53), 100, 1, 1, 1), "eth0"));
        Assert.Equal(2, metrics.Filtered);
        var text = Scrape(registry);
        Assert.Contains("beyla_network_flow_bytes_total{transport=\"TCP\",src_address=\"10.1.2.3\"} 2000", text, StringComparison.Ordinal);
        // The packets metric has only the defaults: its own section was not selected.
        Assert.Contains("beyla_network_flow_packets_total{direction=\"egress\",src_cidr=\"10.1.0.0/16\",dst_cidr=\"10.0.0.0/8\"} 3", text, StringComparison.Ordinal);
    }

    [Fact]
    public void TransportNamesFollowLinuxInH()
    {
        Assert.Equal("TCP", NetworkMetrics.TransportName(6));
        Assert.Equal("UDP", NetworkMetrics.TransportName(17));
        Assert.Equal("SCTP", NetworkMetrics.TransportName(132));
        Assert.Equal("58", NetworkMetrics.TransportName(58));
        Assert.All(NetworkMetricsBlock.KnownProtocols, p => Assert.True(NetworkMetrics.ProtocolNumbers.ContainsKey(p), p));
    }

    [Fact]
    public void InterfaceSelectionTakesNamesGlobsAndSlashedRegularExpressions()
    {
        var selection = new InterfaceSelection(["eth*", "/^veth[0-9]+$/", "lo"], ["eth9"]);
        Assert.True(selection.Includes("eth0"));
        Assert.True(selection.Includes("veth12"));
        Assert.True(selection.Includes("lo"));
        Assert.False(selection.Includes("eth9"));
        Assert.False(selection.Includes("vethx"));
        Assert.False(selection.Includes("docker0"));
        Assert.True(new InterfaceSelection([], ["lo"]).Includes("eth0"));
        Assert.False(new InterfaceSelection([], ["lo"]).Includes("lo"));
        Assert.NotNull(InterfaceSelection.Check("/[/"));
        Assert.Null(InterfaceSelection.Check("veth*"));
    }

    [Fact]
    public void TheAgentIpIsTheOverrideWhenSetAndAnAddressOfTheAskedFamilyOtherwise()
    {
        Assert.Equal("203.0.113.5", NetworkInterfaces.AgentIp("203.0.113.5", "external", "any"));
        Assert.Equal("127.0.0.1", NetworkInterfaces.AgentIp("", "name:lo", "ipv4"));
        Assert.Equal(System.Net.Sockets.AddressFamily.InterNetwork, IPAddress.Parse(NetworkInterfaces.AgentIp("", "local", "ipv4")).AddressFamily);
        Assert.Contains(NetworkInterfaces.List(), i => i.Name == "lo" && i.Index == 1);
    }

    [Fact]
    public void AProcessSampleIsReadFromProcFiles()
    {
        var root = Directory.CreateTempSubdirectory("river-proc-").FullName;
        try
        {
            var dir = Directory.CreateDirectory(Path.Combine(root, "42")).FullName;
            Directory.CreateDirectory(Path.Combine(dir, "net"));
            // Fields 14/15 (utime/stime) = 250/50 ticks, 42 (blkio delay) = 7; field 4 (ppid) = 1.
            var fields = Enumerable.Range(3, 50).Select(i => i switch { 3 => "S", 4 => "1", 14 => "250", 15 => "50", 42 => "7", _ => "0" });
            File.WriteAllText(Path.Combine(dir, "stat"), "42 (my app) " + string.Join(' ', fields));
            File.WriteAllText(Path.Combine(dir, "status"), "Name:\tmy app\nUid:\t0\t0\t0\t0\nVmSize:\t  2048 kB\nVmRSS:\t  1024 kB\n");
            File.WriteAllText(Path.Combine(dir, "io"), "rchar: 1\nread_bytes: 4096\nwrite_bytes: 8192\n");
            File.WriteAllText(Path.Combine(dir, "net", "dev"),
                "Inter-|   Receive\n face |bytes packets errs drop fifo frame compressed multicast|bytes\n"
                + "    lo: 100 1 0 0 0 0 0 0 200 1 0 0 0 0 0 0\n  eth0: 1000 1 0 0 0 0 0 0 3000 1 0 0 0 0 0 0\n");
            var sample = ProcessSample.Read(42, root);
            Assert.NotNull(sample);
            Assert.Equal("my app", sample.Command);
            Assert.Equal(2.5, sample.UserSeconds);
            Assert.Equal(0.5, sample.SystemSeconds);
            Assert.Equal(0.07, sample.WaitSeconds, 6);
            Assert.Equal(1, sample.ParentPid);
            Assert.Equal(1024 * 1024, sample.ResidentBytes);
            Assert.Equal(2048 * 1024, sample.VirtualBytes);
            Assert.Equal(4096, sample.DiskReadBytes);
            Assert.Equal(8192, sample.DiskWriteBytes);
            Assert.Equal(1100, sample.NetReceiveBytes);
            Assert.Equal(3200, sample.NetTransmitBytes);
            Assert.Null(ProcessSample.Read(43, root));
            // A malformed stat (a field that is not a number) is skipped, not thrown.
            var bad = Directory.CreateDirectory(Path.Combine(root, "44")).FullName;
            File.WriteAllText(Path.Combine(bad, "stat"), "44 (bad) S x " + string.Join(' ', Enumerable.Repeat("y", 50)));
            File.WriteAllText(Path.Combine(bad, "status"), "Uid:\t0\t0\t0\t0\n");
            Assert.Null(ProcessSample.Read(44, root));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static DiscoveredService Service(int pid, string name, params int[] ports) =>
        new(pid, 1, name, "", "host:" + pid, "/usr/bin/" + name, name, ports, "generic", new Dictionary<string, string>());

    private static HttpRequestEvent Request(RequestDirection direction, ushort hostPort, ushort peerPort, ushort status = 200) =>
        HttpRequestEvent.Create(1, direction, "GET /x HTTP/1.1\r\n\r\n", status, 1_000_000, 3_000_000,
            IPAddress.Loopback, hostPort, IPAddress.Loopback, peerPort);

    [Fact]
    public void TheServiceGraphPairsServerSpansWithTheClientSpanOfTheSameConnection()
    {
        var registry = Metrics.NewCustomRegistry();
        var graph = new ServiceGraphRecorder(registry, allowSelfReferences: false);
        var front = Service(10, "front", 8080);
        var back = Service(20, "back", 9090);
        graph.OnDiscoveryChanged(new DiscoveryChange(new Dictionary<int, DiscoveredService> { [10] = front, [20] = back }, [front, back], []));

        // back's server span arrives first, then front's client span on the same connection (front:40000 → back:9090).
        graph.Observe(back, Request(RequestDirection.Server, 9090, 40000), "GET", "");
        Assert.Equal(1, graph.Pending);
        graph.Observe(front, Request(RequestDirection.Client, 40000, 9090), "GET", "");
        Assert.Equal(0, graph.Pending);
        // A client span to an uninstrumented server counts on the client side, failed when 5xx.
        graph.Observe(front, Request(RequestDirection.Client, 40001, 5432, 503), "GET", "");
        // A server span whose client never shows up is reported with the peer address after the wait.
        graph.Observe(front, Request(RequestDirection.Server, 8080, 50000), "GET", "");
        graph.Flush(DateTime.UtcNow + ServiceGraphRecorder.PairingWait + TimeSpan.FromSeconds(1));
        // A self reference is dropped.
        graph.Observe(front, Request(RequestDirection.Client, 40002, 8080), "GET", "");

        var text = Scrape(registry);
        var samples = Exposition.Samples(text).ToList();
        double Total(string client, string server) => samples.Where(s => s.Name == "traces_service_graph_request_total"
            && s.Labels["client"] == client && s.Labels["server"] == server).Sum(s => s.Value);
        Assert.Equal(1, Total("front", "back"));
        Assert.Equal(1, Total("front", "127.0.0.1"));
        Assert.Equal(1, Total("127.0.0.1", "front"));
        Assert.Equal(0, Total("front", "front"));
        Assert.Equal(1, samples.Where(s => s.Name == "traces_service_graph_request_failed_total").Sum(s => s.Value));
        Assert.Equal(2, samples.Where(s => s.Name == "traces_service_graph_request_server_seconds_count").Sum(s => s.Value));
        Assert.Equal(2, samples.Where(s => s.Name == "traces_service_graph_request_client_seconds_count").Sum(s => s.Value));
    }

    [Fact]
    public void SpanMetricsCountPerSpanNameKindAndStatus()
    {
        var registry = Metrics.NewCustomRegistry();
        var spans = new SpanMetricsRecorder(registry, "host");
        var svc = Service(10, "front", 8080);
        spans.OnDiscoveryChanged(new DiscoveryChange(new Dictionary<int, DiscoveredService> { [10] = svc }, [svc], []));
        spans.Observe(svc, Request(RequestDirection.Server, 8080, 1), "GET", "/x");
        spans.Observe(svc, Request(RequestDirection.Server, 8080, 1, 500), "GET", "/x");
        spans.Observe(svc, Request(RequestDirection.Client, 1, 80, 404), "GET", "");
        var samples = Exposition.Samples(Scrape(registry)).ToList();
        double Calls(string name, string kind, string status) => samples.Where(s => s.Name == "traces_spanmetrics_calls_total"
            && s.Labels["span_name"] == name && s.Labels["span_kind"] == kind && s.Labels["status_code"] == status).Sum(s => s.Value);
        Assert.Equal(1, Calls("GET /x", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET"));
        Assert.Equal(1, Calls("GET /x", "SPAN_KIND_SERVER", "STATUS_CODE_ERROR"));
        Assert.Equal(1, Calls("GET", "SPAN_KIND_CLIENT", "STATUS_CODE_ERROR"));
        Assert.Equal(3, samples.Where(s => s.Name == "traces_spanmetrics_latency_count").Sum(s => s.Value));
        Assert.Equal(0.002 * 3, samples.Where(s => s.Name == "traces_spanmetrics_latency_sum").Sum(s => s.Value), 9);
        Assert.Contains(samples, s => s.Name == "traces_target_info" && s.Labels["service_name"] == "front" && s.Value == 1);
    }
}

/// <summary>Validation of the interface patterns of <c>metrics.network</c>.</summary>
public sealed class NetworkArgumentsTests
{
    [Fact]
    public void AnInvalidInterfaceRegularExpressionIsReportedOnItsAttribute()
    {
        var block = new River.Components.Beyla.NetworkMetricsBlock { Interfaces = ["eth*"], ExcludeInterfaces = ["/([/"] };
        var context = new River.Values.ValidationContext();
        block.Validate(context);
        var error = Assert.Single(context.Errors);
        Assert.Equal("exclude_interfaces", error.Name);
        Assert.Contains("interface pattern \"/([/\" is not a valid regular expression", error.Message, StringComparison.Ordinal);
    }
}
