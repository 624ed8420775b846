using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using River.Components.Beyla;
using River.Components.Beyla.Attributes;
using River.Components.Beyla.Network;

// Usage:
//   EbpfNetworkHost attach SOURCE            run the network collector on lo (socket_filter|tc); "ready" once
//                                            attached; on SIGTERM prints flows/evictions and exits
//   EbpfNetworkHost evict SOURCE FLOWS ROUNDS make FLOWS distinct UDP flows on lo per round, then time one eviction
//                                            (map walk, per-CPU read-and-delete, dedup, counters); prints µs per flow
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: EbpfNetworkHost attach SOURCE | evict SOURCE FLOWS ROUNDS");
    return 2;
}

var source = args[1];
if (args[0] == "attach")
{
    var arguments = new BeylaArguments();
    arguments.Metrics.Features = ["network"];
    arguments.Metrics.Network.Source = source;
    arguments.Metrics.Network.Interfaces = ["lo"];
    arguments.Metrics.Network.ExcludeInterfaces = [];
    var registry = Metrics.NewCustomRegistry();
    using var collector = new NetworkFlowCollector(arguments, registry, NullLogger.Instance);
    using var stop = new CancellationTokenSource();
    using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
    using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
    var run = collector.RunAsync(stop.Token);
    while (collector.AttachedInterfaces.Count == 0 && !run.IsCompleted)
        await Task.Delay(50);
    if (run.IsFaulted)
    {
        Console.Error.WriteLine(run.Exception);
        return 1;
    }

    Console.WriteLine("ready");
    try
    {
        await run;
    }
    catch (OperationCanceledException)
    {
    }

    using var stream = new MemoryStream();
    await registry.CollectAndExportAsTextAsync(stream);
    foreach (var line in System.Text.Encoding.UTF8.GetString(stream.ToArray()).Split('\n'))
    {
        if (line.StartsWith("beyla_network_flow_evictions_total", StringComparison.Ordinal)
            || line.StartsWith("beyla_bpf_network_packets_total", StringComparison.Ordinal))
            Console.WriteLine(line);
    }

    return 0;
}

var flows = int.Parse(args[2], CultureInfo.InvariantCulture);
var rounds = int.Parse(args[3], CultureInfo.InvariantCulture);
// Room for the flows, their ICMP replies (the ports are closed) and the machine's own loopback traffic.
using var program = FlowProgram.Load(new FlowProgramOptions(source == "tc" ? FlowSource.Tc : FlowSource.SocketFilter, (uint)(flows * 3)));
program.Attach(1);
var metrics = new NetworkMetrics(new NetworkMetricsBlock(), [], AttributeSelection.Default, Metrics.NewCustomRegistry(), "127.0.0.1");
var deduper = new FlowDeduper(TimeSpan.FromSeconds(10));
var batch = new List<FlowRecord>();
using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
var payload = new byte[16];
Console.WriteLine($"flow map: {program.MaxFlows} entries, {FlowProgram.FlowMapBytes(program.MaxFlows)} bytes of keys and per-CPU values");
Console.WriteLine($"at cache_max_flows=5000: {FlowProgram.FlowMapBytes(5000)} bytes on {Environment.ProcessorCount} CPUs");
double totalUs = 0;
long totalFlows = 0;
for (var round = 0; round < rounds; round++)
{
    // Distinct destination ports make distinct flows; a few hundred per batch so the ICMP replies keep up.
    for (var i = 0; i < flows; i++)
        socket.SendTo(payload, new IPEndPoint(IPAddress.Loopback, 20000 + i));
    await Task.Delay(200);
    batch.Clear();
    var clock = Stopwatch.StartNew();
    var evicted = program.Evict(batch);
    var now = DateTime.UtcNow;
    foreach (var flow in batch)
    {
        if (deduper.Accept(flow.Key, now))
            metrics.Record(flow, "lo");
    }

    clock.Stop();
    var us = clock.Elapsed.TotalMicroseconds;
    Console.WriteLine($"round {round + 1} ({(program.UsesBatch ? "batch" : "per key")}): {evicted} flows evicted in {us:F0} µs ({us / Math.Max(1, evicted):F2} µs per flow)");
    if (round > 0) // the first round pays JIT and first-touch costs
    {
        totalUs += us;
        totalFlows += evicted;
    }
}

if (totalFlows > 0)
    Console.WriteLine($"overall (rounds 2..{rounds}): {totalUs / totalFlows:F2} µs per evicted flow");
return 0;
