using System.Globalization;
using River.Runtime;
using River.Tests.BeylaEndToEnd;
using Xunit.Abstractions;

namespace River.Tests.BeylaNetwork;

/// <summary>
/// beyla.ebpf's network flows on the real kernel: curl downloads of known size from nginx over loopback, and from a
/// server in a network namespace over a veth pair, must show up in <c>beyla_network_flow_bytes_total</c> as
/// specified by each <c>metrics.network</c> argument. Runs in the end-to-end collection (no parallel BPF tests).
/// </summary>
[Collection(BeylaEndToEndCollection.Name)]
public sealed class NetworkFlowEndToEndTests(ITestOutputHelper output)
{
    private const string Id = "beyla.ebpf.net";
    private const int FileBytes = 4 << 20;

    private bool Skipped()
    {
        if (Commands.Missing() is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return true;
        }

        return false;
    }

    private static string Config(string network, string extra = "") => $$"""
        beyla.ebpf "net" {
          metrics {
            features = ["network"]
            network {
              enabled = true
              cache_active_timeout = "1s"
              {{network}}
            }
          }
          attributes {
            select {
              attr = "beyla_network_*"
              include = ["direction", "src_port", "dst_port", "transport", "iface", "src_address", "dst_address", "src_cidr", "dst_cidr"]
            }
          }
          {{extra}}
        }
        """;

    /// <summary>Flow samples of one metric touching <paramref name="port"/> (as source or destination).</summary>
    private static List<(string Name, Dictionary<string, string> Labels, double Value)> Flows(string text, string metric, int port)
    {
        var p = port.ToString(CultureInfo.InvariantCulture);
        return [.. Exposition.Samples(text).Where(s => s.Name == metric
            && (s.Labels.GetValueOrDefault("src_port") == p || s.Labels.GetValueOrDefault("dst_port") == p))];
    }

    private static double Bytes(string text, int port) => Flows(text, "beyla_network_flow_bytes_total", port).Sum(s => s.Value);

    /// <summary>Waits until the program is attached: loopback traffic of a throwaway port shows up.</summary>
    private static async Task WaitCountingAsync(RiverUnderTest river, TestServer nginx)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(40))
        {
            var text = await river.ScrapeAsync(Id);
            if (Exposition.Samples(text).Any(s => s.Name == "beyla_bpf_map_max_entries"))
            {
                // Loaded; attachment follows on the same step, so a second later packets are counted.
                await Task.Delay(1500);
                return;
            }

            await Task.Delay(300);
        }

        throw new TimeoutException($"network flows did not start within 40s; health: {river.Health(Id)}");
    }

    /// <summary>Scrapes until the port's byte total stops changing over three eviction periods.</summary>
    private static async Task<string> SettledAsync(RiverUnderTest river, Func<string, double> measure)
    {
        var text = await river.ScrapeAsync(Id);
        var last = -1.0;
        var stable = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(40) && stable < 3)
        {
            await Task.Delay(1100);
            text = await river.ScrapeAsync(Id);
            var now = measure(text);
            stable = now > 0 && now == last ? stable + 1 : 0;
            last = now;
        }

        return text;
    }

    [Theory]
    [InlineData("socket_filter")]
    [InlineData("tc")]
    public async Task ALoopbackDownloadIsCountedAtLeastOnceAndAtMostFivePercentOver(string source)
    {
        if (Skipped())
        {
            return;
        }

        using var nginx = TestServer.Nginx();
        var path = Commands.ServeFile(nginx, "big.bin", FileBytes);
        await using var river = await RiverUnderTest.StartAsync(Config($"""
            source = "{source}"
            interfaces = ["lo"]
            exclude_interfaces = []
            """));
        await WaitCountingAsync(river, nginx);

        Assert.Equal([200], HttpClients.Curl(nginx.Url(path)));
        var text = await SettledAsync(river, t => Bytes(t, nginx.Port));
        var bytes = Bytes(text, nginx.Port);
        foreach (var s in Flows(text, "beyla_network_flow_bytes_total", nginx.Port))
        {
            output.WriteLine($"{string.Join(',', s.Labels.Select(l => l.Key + "=" + l.Value))} {s.Value}");
        }

        output.WriteLine($"{source}: {bytes} bytes counted for a {FileBytes}-byte download");
        output.WriteLine(string.Join('\n', text.Split('\n').Where(l => l.StartsWith("beyla_", StringComparison.Ordinal)).Take(8)));
        Assert.InRange(bytes, FileBytes, FileBytes * 1.05);
        var response = Flows(text, "beyla_network_flow_bytes_total", nginx.Port)
            .Where(s => s.Labels["src_port"] == nginx.Port.ToString(CultureInfo.InvariantCulture)).ToList();
        Assert.NotEmpty(response);
        Assert.All(response, s =>
        {
            Assert.Equal("TCP", s.Labels["transport"]);
            Assert.Equal("lo", s.Labels["iface"]);
            Assert.Equal("127.0.0.1", s.Labels["src_address"]);
        });
        Assert.True(Flows(text, "beyla_network_flow_packets_total", nginx.Port).Sum(s => s.Value) >= FileBytes / 65536.0);
        Assert.Equal(HealthState.Healthy, river.Health(Id).State);
    }

    [Theory]
    [InlineData("protocols = [\"UDP\"]", false)]
    [InlineData("exclude_protocols = [\"TCP\"]", false)]
    [InlineData("protocols = [\"TCP\"]", true)]
    [InlineData("exclude_protocols = [\"UDP\", \"ICMP\"]", true)]
    public async Task ProtocolArgumentsKeepOrDropTheTcpFlows(string protocols, bool counted)
    {
        if (Skipped())
        {
            return;
        }

        using var nginx = TestServer.Nginx();
        var path = Commands.ServeFile(nginx, "p.bin", 1 << 20);
        await using var river = await RiverUnderTest.StartAsync(Config($"""
            interfaces = ["lo"]
            exclude_interfaces = []
            {protocols}
            """));
        await WaitCountingAsync(river, nginx);
        Assert.Equal([200], HttpClients.Curl(nginx.Url(path)));
        // Dropped flows never appear, so wait a fixed four eviction periods rather than for a stable total.
        await Task.Delay(4500);
        var text = await (counted ? SettledAsync(river, t => Bytes(t, nginx.Port)) : river.ScrapeAsync(Id));
        var bytes = Bytes(text, nginx.Port);
        output.WriteLine($"{protocols}: {bytes}");
        if (counted)
        {
            Assert.InRange(bytes, 1 << 20, (1 << 20) * 1.05);
        }
        else
        {
            Assert.Equal(0, bytes);
        }
    }

    [Fact]
    public async Task CidrsLabelEachEndWithTheMostSpecificMatchingRange()
    {
        if (Skipped())
        {
            return;
        }

        using var nginx = TestServer.Nginx();
        var path = Commands.ServeFile(nginx, "c.bin", 1 << 20);
        await using var river = await RiverUnderTest.StartAsync(Config("""
            interfaces = ["lo"]
            exclude_interfaces = []
            cidrs = ["10.0.0.0/8", "127.0.0.0/8", "127.0.0.1/32"]
            """));
        await WaitCountingAsync(river, nginx);
        Assert.Equal([200], HttpClients.Curl(nginx.Url(path)));
        var text = await SettledAsync(river, t => Bytes(t, nginx.Port));
        var flows = Flows(text, "beyla_network_flow_bytes_total", nginx.Port);
        Assert.NotEmpty(flows);
        Assert.All(flows, s =>
        {
            Assert.Equal("127.0.0.1/32", s.Labels["src_cidr"]);
            Assert.Equal("127.0.0.1/32", s.Labels["dst_cidr"]);
        });
    }

    [Fact]
    public async Task SamplingCountsOneInNPacketsAndScalesTheTotals()
    {
        if (Skipped())
        {
            return;
        }

        const int size = 32 << 20;
        using var nginx = TestServer.Nginx();
        var path = Commands.ServeFile(nginx, "s.bin", size);
        await using var river = await RiverUnderTest.StartAsync(Config("""
            interfaces = ["lo"]
            exclude_interfaces = []
            sampling = 4
            """));
        await WaitCountingAsync(river, nginx);
        Assert.Equal([200], HttpClients.Curl(nginx.Url(path)));
        var text = await SettledAsync(river, t => Bytes(t, nginx.Port));
        var bytes = Bytes(text, nginx.Port);
        var packets = Flows(text, "beyla_network_flow_packets_total", nginx.Port).Select(s => s.Value).ToList();
        output.WriteLine($"sampled estimate {bytes} of {size}; packet counts {string.Join(',', packets)}");
        // Every reported count is a sampled count times 4; the estimate is unbiased but noisy, so the bound is wide.
        Assert.All(packets, p => Assert.Equal(0, p % 4));
        Assert.InRange(bytes, size * 0.5, size * 1.5);
    }

    [Theory]
    [InlineData("socket_filter")]
    [InlineData("tc")]
    public async Task AVethPairShowsFlowsOnTheNonLoopbackInterfaceAndDirectionSelectsTheirSide(string source)
    {
        if (Skipped())
        {
            return;
        }

        const int size = 2 << 20;
        using var veth = VethNamespace.Start("v.bin", size);
        var port = veth.Port.ToString(CultureInfo.InvariantCulture);
        foreach (var direction in new[] { "both", "ingress", "egress" })
        {
            await using var river = await RiverUnderTest.StartAsync(Config($"""
                source = "{source}"
                interfaces = ["{veth.HostInterface}"]
                direction = "{direction}"
                """));
            await Task.Delay(3000);
            Assert.Equal([200], HttpClients.Curl(veth.Url("/v.bin")));
            var text = await SettledAsync(river, t => Bytes(t, veth.Port));
            var flows = Flows(text, "beyla_network_flow_bytes_total", veth.Port);
            foreach (var s in flows)
            {
                output.WriteLine($"{direction}: {string.Join(',', s.Labels.Select(l => l.Key + "=" + l.Value))} {s.Value}");
            }

            Assert.All(flows, s => Assert.Equal(veth.HostInterface, s.Labels["iface"]));
            // The download arrives from the namespace (ingress on the host's veth); requests and acks leave (egress).
            var fromServer = flows.Where(s => s.Labels["src_port"] == port).ToList();
            var toServer = flows.Where(s => s.Labels["dst_port"] == port).ToList();
            Assert.All(fromServer, s => Assert.Equal("ingress", s.Labels["direction"]));
            Assert.All(toServer, s => Assert.Equal("egress", s.Labels["direction"]));
            var received = fromServer.Sum(s => s.Value);
            switch (direction)
            {
                case "both":
                    Assert.InRange(received, size, size * 1.05);
                    Assert.NotEmpty(toServer);
                    Assert.All(fromServer, s => Assert.Equal(veth.PeerIp, s.Labels["src_address"]));
                    break;
                case "ingress":
                    Assert.InRange(received, size, size * 1.05);
                    Assert.Empty(toServer);
                    break;
                default:
                    Assert.Empty(fromServer);
                    Assert.NotEmpty(toServer);
                    break;
            }
        }
    }

    [Fact]
    public async Task NetworkFiltersKeepOnlyFlowsWhoseAttributeMatchesTheGlob()
    {
        if (Skipped())
        {
            return;
        }

        using var nginx = TestServer.Nginx();
        var path = Commands.ServeFile(nginx, "f.bin", 1 << 20);
        var port = nginx.Port.ToString(CultureInfo.InvariantCulture);
        await using var river = await RiverUnderTest.StartAsync(Config("""
            interfaces = ["lo"]
            exclude_interfaces = []
            """, $$"""
            filters {
              network {
                attr = "src_port"
                match = "{{port}}"
              }
            }
            """));
        await WaitCountingAsync(river, nginx);
        Assert.Equal([200], HttpClients.Curl(nginx.Url(path)));
        var text = await SettledAsync(river, t => Bytes(t, nginx.Port));
        var flows = Flows(text, "beyla_network_flow_bytes_total", nginx.Port);
        Assert.NotEmpty(flows);
        Assert.All(flows, s => Assert.Equal(port, s.Labels["src_port"]));
        Assert.InRange(flows.Sum(s => s.Value), 1 << 20, (1 << 20) * 1.05);
    }
}
