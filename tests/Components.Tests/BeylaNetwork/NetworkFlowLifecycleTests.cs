using River.Runtime;
using River.Tests.BeylaEndToEnd;
using Xunit.Abstractions;

namespace River.Tests.BeylaNetwork;

/// <summary>
/// Switching <c>metrics.network.source</c> on reload, and stopping the component, leave no program, TC filter or
/// clsact qdisc behind: checked with the tools an operator would use (<c>tc</c>, <c>bpftool</c>).
/// </summary>
[Collection(BeylaEndToEndCollection.Name)]
public sealed class NetworkFlowLifecycleTests(ITestOutputHelper output)
{
    private const string Id = "beyla.ebpf.life";

    private static string Config(string source, string iface) => $$"""
        beyla.ebpf "life" {
          metrics {
            features = ["network"]
            network {
              source = "{{source}}"
              interfaces = ["{{iface}}"]
              exclude_interfaces = []
              cache_active_timeout = "1s"
            }
          }
        }
        """;

    private static string Filters(string iface) =>
        Commands.Check("/usr/sbin/tc", "filter", "show", "dev", iface, "ingress")
        + Commands.Check("/usr/sbin/tc", "filter", "show", "dev", iface, "egress");

    private static bool HasClsact(string iface) =>
        Commands.Check("/usr/sbin/tc", "qdisc", "show", "dev", iface).Contains("clsact", StringComparison.Ordinal);

    /// <summary>Names of loaded flow programs (bpftool shows at most 15 characters of a name).</summary>
    private static int FlowPrograms(string prefix) =>
        Commands.Check("/usr/sbin/bpftool", "prog", "list").Split('\n').Count(l => l.Contains(prefix, StringComparison.Ordinal));

    /// <summary>A veth pair (this kernel has no dummy driver); deleting <paramref name="iface"/> deletes both ends.</summary>
    private static void CreateInterface(string iface) =>
        Commands.Check("/usr/sbin/ip", "link", "add", iface, "type", "veth", "peer", "name", "rve" + iface[3..]);

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(40))
            {
                throw new TimeoutException(what);
            }

            await Task.Delay(250);
        }
    }

    [Fact]
    public async Task ReloadSwitchingSourceToTcAndBackLeavesNoProgramFilterOrQdiscBehind()
    {
        if (Commands.Missing() is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }

        // An interface of our own: no other test or engineer puts a qdisc on it.
        var iface = "rvd" + Random.Shared.Next(0x100000, 0xFFFFFF).ToString("x6", System.Globalization.CultureInfo.InvariantCulture);
        CreateInterface(iface);
        try
        {
            Commands.Check("/usr/sbin/ip", "link", "set", iface, "up");
            Assert.False(HasClsact(iface));
            var socketPrograms = FlowPrograms("river_flow_sock");
            var tcPrograms = FlowPrograms("river_flow_tc_");
            await using (var river = await RiverUnderTest.StartAsync(Config("socket_filter", iface)))
            {
                await WaitAsync(() => FlowPrograms("river_flow_sock") > socketPrograms, "socket filter program not loaded");
                Assert.False(HasClsact(iface));
                Assert.DoesNotContain("river_flow", Filters(iface), StringComparison.Ordinal);

                await river.ReloadAsync(Config("tc", iface));
                await WaitAsync(() => Filters(iface).Contains("name river_flow_tc_i", StringComparison.Ordinal)
                    && Filters(iface).Contains("name river_flow_tc_e", StringComparison.Ordinal), "tc filters not attached");
                output.WriteLine(Filters(iface));
                Assert.True(HasClsact(iface));
                await WaitAsync(() => FlowPrograms("river_flow_sock") == socketPrograms, "socket filter program left behind after switching to tc");

                await river.ReloadAsync(Config("socket_filter", iface));
                await WaitAsync(() => !HasClsact(iface), "clsact qdisc left behind after switching back to socket_filter");
                Assert.DoesNotContain("river_flow", Filters(iface), StringComparison.Ordinal);
                await WaitAsync(() => FlowPrograms("river_flow_tc_") == tcPrograms, "tc programs left behind");
                await WaitAsync(() => FlowPrograms("river_flow_sock") > socketPrograms, "socket filter program not reloaded");
                Assert.Equal(HealthState.Healthy, river.Health(Id).State);
            }

            await WaitAsync(() => FlowPrograms("river_flow_sock") == socketPrograms, "socket filter program left behind after stop");
            Assert.False(HasClsact(iface));
        }
        finally
        {
            Commands.Run("/usr/sbin/ip", "link", "del", iface);
        }
    }

    [Fact]
    public async Task AClsactQdiscThatExistedBeforeIsKeptAndOnlyOurFiltersAreRemoved()
    {
        if (Commands.Missing() is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }

        var iface = "rvd" + Random.Shared.Next(0x100000, 0xFFFFFF).ToString("x6", System.Globalization.CultureInfo.InvariantCulture);
        CreateInterface(iface);
        try
        {
            Commands.Check("/usr/sbin/ip", "link", "set", iface, "up");
            Commands.Check("/usr/sbin/tc", "qdisc", "add", "dev", iface, "clsact");
            // Someone else's filter on the same hook, loaded by tc itself (this kernel has no matchall/u32
            // classifiers; tc's own bpf loader works): it must survive us.
            var foreign = Path.Combine(Path.GetTempPath(), iface + ".o");
            using (var resource = typeof(Components.Beyla.Network.FlowProgram).Assembly.GetManifestResourceStream(Components.Beyla.Network.FlowProgram.ResourceName)!)
            using (var file = File.Create(foreign))
            {
                resource.CopyTo(file);
            }

            Commands.Check("/usr/sbin/tc", "filter", "add", "dev", iface, "ingress", "prio", "7", "bpf", "da", "obj", foreign, "sec", "tc");
            File.Delete(foreign);
            await using (var river = await RiverUnderTest.StartAsync(Config("tc", iface)))
            {
                await WaitAsync(() => Filters(iface).Contains("name river_flow_tc_i", StringComparison.Ordinal), "tc filters not attached");
            }

            // Left: exactly the foreign filter (pref 7, loaded from a file, hence ".o:[tc]"), nothing on egress.
            static string[] Programs(string text) => [.. text.Split('\n').Where(l => l.Contains("direct-action", StringComparison.Ordinal))];
            await WaitAsync(() => Programs(Filters(iface)).Length == 1, "our filters left behind");
            output.WriteLine(Filters(iface));
            Assert.True(HasClsact(iface));
            var left = Assert.Single(Programs(Filters(iface)));
            Assert.Contains("pref 7 bpf", left, StringComparison.Ordinal);
            Assert.Contains(".o:[tc]", left, StringComparison.Ordinal);
        }
        finally
        {
            Commands.Run("/usr/sbin/ip", "link", "del", iface);
        }
    }
}
