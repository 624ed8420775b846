using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace River.Ebpf.Tests;

/// <summary>
/// Loader-level tests of <see cref="SocketFilter"/> and <see cref="TcHook"/> with the flow object
/// (bpf/net_flows.bpf.c): the programs see real packets, and disposal leaves no socket, filter or qdisc.
/// </summary>
public sealed class NetworkAttachTests
{
    private const string Resource = "River.Bpf.net_flows.bpf.o";

    private static BpfObject Load(bool tc)
    {
        var obj = BpfObject.OpenEmbedded(typeof(NetworkAttachTests).Assembly, Resource);
        obj.SetAutoload("river_flow_sock", !tc);
        obj.SetAutoload("river_flow_tc_ingress", tc);
        obj.SetAutoload("river_flow_tc_egress", tc);
        obj.Load();
        return obj;
    }

    /// <summary>Packets the program ran on (index 0 of the per-CPU counters), summed over CPUs.</summary>
    private static ulong Seen(BpfObject obj)
    {
        var map = obj.GetMap<uint, ulong>("flow_counters");
        var values = new ulong[BpfMap<uint, ulong>.PossibleCpus];
        Assert.True(map.LookupPerCpu(0u, values));
        return values.Aggregate(0UL, (a, b) => a + b);
    }

    private static void LoopbackTraffic()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var server = listener.AcceptTcpClient();
        client.GetStream().Write(new byte[10000]);
        var buffer = new byte[10000];
        var read = 0;
        while (read < buffer.Length)
        {
            read += server.GetStream().Read(buffer, read, buffer.Length - read);
        }
    }

    private static string Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var text = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return text;
    }

    [Fact]
    public void ASocketFilterOnLoopbackSeesPacketsAndClosingTheSocketStopsIt()
    {
        using var obj = Load(tc: false);
        var filter = SocketFilter.Attach(obj.GetProgram("river_flow_sock"), 1);
        Assert.True(filter.Fd >= 0);
        Assert.True(File.Exists($"/proc/self/fd/{filter.Fd}"));
        LoopbackTraffic();
        var seen = Seen(obj);
        Assert.True(seen >= 6, $"the filter saw {seen} packets of a TCP exchange");

        filter.Dispose();
        Assert.Equal(-1, filter.Fd);
        LoopbackTraffic();
        Assert.Equal(seen, Seen(obj));
    }

    [Fact]
    public void WhileStatisticsAreEnabledTheKernelReportsTheProgramsRunTimeAndCount()
    {
        using var obj = Load(tc: false);
        var program = obj.GetProgram("river_flow_sock");
        using var filter = SocketFilter.Attach(program, 1);
        using (BpfStats.Enable())
        {
            LoopbackTraffic();
            var stats = BpfStats.Read(program);
            Assert.True(stats.RunCount >= 6, $"{stats.RunCount} runs counted for a TCP exchange");
            Assert.True(stats.RunTimeNs > 0);
        }
    }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential, Size = 44)]
    private struct FlowKey44
    {
        public ulong First;
    }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct FlowStats32
    {
        public ulong Bytes;
        public ulong Packets;
        public ulong StartNs;
        public ulong EndNs;
    }

    [Fact]
    public void APerCpuBatchLookupAndDeleteDrainsTheFlowMapWithEveryCpusCounts()
    {
        using var obj = Load(tc: false);
        using var filter = SocketFilter.Attach(obj.GetProgram("river_flow_sock"), 1);
        LoopbackTraffic();
        filter.Dispose();
        var flows = obj.GetMap<FlowKey44, FlowStats32>("flows");
        var cpus = BpfMap<FlowKey44, FlowStats32>.PossibleCpus;
        // Small batches of 8 keys: several calls, each continuing from the previous cursor.
        var keys = new FlowKey44[8];
        var values = new FlowStats32[keys.Length * cpus];
        var cursor = default(BpfBatchCursor);
        ulong packets = 0;
        var read = 0;
        while (!cursor.IsDone)
        {
            var n = flows.LookupBatchPerCpu(ref cursor, keys, values, delete: true);
            read += n;
            for (var i = 0; i < n * cpus; i++)
            {
                packets += values[i].Packets;
            }
        }

        Assert.True(read >= 2, $"{read} flows read (a TCP exchange has one per direction)");
        Assert.True(packets >= 6, $"{packets} packets in the flows read");
        var left = 0;
        foreach (var _ in flows.Keys)
        {
            left++;
        }

        Assert.Equal(0, left);
        Assert.Throws<ArgumentException>(() => flows.LookupBatchPerCpu(ref cursor, keys, new FlowStats32[1]));
    }

    [Fact]
    public void ASocketFilterOnAMissingInterfaceFailsWithAClearError()
    {
        using var obj = Load(tc: false);
        var error = Assert.Throws<BpfException>(() => SocketFilter.Attach(obj.GetProgram("river_flow_sock"), 999_999));
        Assert.Contains("interface 999999", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATcHookCreatesClsactAttachesBothDirectionsAndRemovesOnlyWhatItCreated()
    {
        var tag = Random.Shared.Next(0x100000, 0xFFFFFF).ToString("x6", CultureInfo.InvariantCulture);
        var iface = "rvt" + tag;
        Run("/usr/sbin/ip", "link", "add", iface, "type", "veth", "peer", "name", "rvu" + tag);
        Assert.True(Directory.Exists($"/sys/class/net/{iface}"), "veth pair not created");
        try
        {
            var index = int.Parse(File.ReadAllText($"/sys/class/net/{iface}/ifindex").Trim(), CultureInfo.InvariantCulture);
            using var obj = Load(tc: true);
            using (var hook = TcHook.Open(index))
            {
                Assert.True(hook.CreatedQdisc);
                var ingress = hook.Attach(obj.GetProgram("river_flow_tc_ingress"), TcAttachPoint.Ingress);
                var egress = hook.Attach(obj.GetProgram("river_flow_tc_egress"), TcAttachPoint.Egress);
                Assert.NotEqual(0u, ingress.ProgramId);
                Assert.Contains("clsact", Run("/usr/sbin/tc", "qdisc", "show", "dev", iface), StringComparison.Ordinal);
                Assert.Contains($"id {ingress.ProgramId} ", Run("/usr/sbin/tc", "filter", "show", "dev", iface, "ingress"), StringComparison.Ordinal);
                Assert.Contains($"id {egress.ProgramId} ", Run("/usr/sbin/tc", "filter", "show", "dev", iface, "egress"), StringComparison.Ordinal);
                egress.Dispose();
                Assert.DoesNotContain("direct-action", Run("/usr/sbin/tc", "filter", "show", "dev", iface, "egress"), StringComparison.Ordinal);
                Assert.Single(hook.Filters);
            }

            Assert.DoesNotContain("clsact", Run("/usr/sbin/tc", "qdisc", "show", "dev", iface), StringComparison.Ordinal);

            // A qdisc that exists already is adopted and left in place.
            Run("/usr/sbin/tc", "qdisc", "add", "dev", iface, "clsact");
            using (var hook = TcHook.Open(index))
            {
                Assert.False(hook.CreatedQdisc);
                hook.Attach(obj.GetProgram("river_flow_tc_ingress"), TcAttachPoint.Ingress);
            }

            Assert.Contains("clsact", Run("/usr/sbin/tc", "qdisc", "show", "dev", iface), StringComparison.Ordinal);
            Assert.DoesNotContain("direct-action", Run("/usr/sbin/tc", "filter", "show", "dev", iface, "ingress"), StringComparison.Ordinal);
        }
        finally
        {
            Run("/usr/sbin/ip", "link", "del", iface);
        }
    }

    [Fact]
    public void TcOnAMissingInterfaceFailsWithAClearError()
    {
        var error = Assert.Throws<BpfException>(() => TcHook.Open(999_999));
        Assert.Contains("interface 999999", error.Message, StringComparison.Ordinal);
    }
}
