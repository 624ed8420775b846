using River.Ebpf;

namespace River.Components.Beyla.Network;

/// <summary>How packets reach the flow program.</summary>
public enum FlowSource
{
    /// <summary>A socket filter on one raw packet socket per interface.</summary>
    SocketFilter,

    /// <summary>clsact ingress/egress filters in direct-action mode.</summary>
    Tc,
}

/// <summary>Which directions the program counts.</summary>
public enum FlowDirectionFilter : byte
{
    /// <summary>Ingress and egress.</summary>
    Both = 0,

    /// <summary>Received packets only.</summary>
    Ingress = 1,

    /// <summary>Sent packets only.</summary>
    Egress = 2,
}

/// <summary>Load-time settings of the flow program.</summary>
/// <param name="Source">Socket filter or TC.</param>
/// <param name="MaxFlows">Capacity of the per-CPU LRU flow map (<c>cache_max_flows</c>).</param>
/// <param name="Sampling">1 in N packets is counted; 0 or 1 counts all.</param>
/// <param name="Direction">Directions counted.</param>
public sealed record FlowProgramOptions(FlowSource Source, uint MaxFlows = 5000, uint Sampling = 0,
    FlowDirectionFilter Direction = FlowDirectionFilter.Both);

/// <summary>
/// The flow-counting program (bpf/net_flows.bpf.c) loaded into the kernel, with its attachments per interface.
/// <see cref="Evict"/> drains the flow map; <see cref="Dispose"/> detaches everything (sockets closed, TC filters
/// removed, clsact qdiscs removed where this program created them) and frees the maps. Not thread-safe: one
/// collector loop drives it.
/// </summary>
public sealed class FlowProgram : IDisposable
{
    /// <summary>Manifest resource name of the compiled object.</summary>
    public const string ResourceName = "River.Bpf.net_flows.bpf.o";

    private readonly BpfObject _object;
    private readonly BpfMap<FlowKey, FlowStats> _flows;
    private readonly BpfMap<uint, ulong> _counters;
    private readonly Dictionary<int, IDisposable> _attached = [];
    private readonly FlowStats[] _perCpu;
    private readonly ulong[] _counterPerCpu;
    private readonly List<FlowKey> _keys = [];
    private readonly FlowKey[] _batchKeys = new FlowKey[BatchSize];
    private readonly FlowStats[] _batchValues;
    private ulong _lastEvictionNs;
    private bool _useBatch = true;

    /// <summary>Flows read per batch syscall.</summary>
    public const int BatchSize = 256;

    private FlowProgram(BpfObject obj, FlowProgramOptions options)
    {
        _object = obj;
        Options = options;
        _flows = obj.GetMap<FlowKey, FlowStats>("flows");
        _counters = obj.GetMap<uint, ulong>("flow_counters");
        _perCpu = new FlowStats[BpfMap<FlowKey, FlowStats>.PossibleCpus];
        _counterPerCpu = new ulong[BpfMap<FlowKey, FlowStats>.PossibleCpus];
        _batchValues = new FlowStats[BatchSize * BpfMap<FlowKey, FlowStats>.PossibleCpus];
    }

    /// <summary>The settings the program was loaded with.</summary>
    public FlowProgramOptions Options { get; }

    /// <summary>True when the build embedded the object.</summary>
    public static bool IsEmbedded => typeof(FlowProgram).Assembly.GetManifestResourceInfo(ResourceName) is not null;

    /// <summary>True while evictions use batch syscalls (false after the kernel refused them).</summary>
    public bool UsesBatch => _useBatch;

    /// <summary>Capacity of the flow map.</summary>
    public uint MaxFlows => _flows.MaxEntries;

    /// <summary>Interface indexes the program is attached to now.</summary>
    public IReadOnlyCollection<int> AttachedInterfaces => _attached.Keys;

    /// <summary>Names of the programs in the object (only the chosen source's are loaded).</summary>
    public IReadOnlyList<string> ProgramNames => [.. _object.Programs.Keys];

    /// <summary>Bytes of kernel memory the flow map's values take at full capacity (all CPUs), plus its keys.</summary>
    public static unsafe long FlowMapBytes(uint maxFlows) =>
        (long)maxFlows * (sizeof(FlowKey) + (long)sizeof(FlowStats) * BpfMap<FlowKey, FlowStats>.PossibleCpus);

    /// <summary>Opens, sizes and loads the program (nothing is attached yet).</summary>
    /// <exception cref="BpfException">eBPF unsupported, object missing, or the kernel refused it.</exception>
    public static unsafe FlowProgram Load(FlowProgramOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (sizeof(FlowKey) != FlowKey.Size || sizeof(FlowStats) != 32)
            throw new InvalidOperationException($"FlowKey/FlowStats are {sizeof(FlowKey)}/{sizeof(FlowStats)} bytes, expected 44/32");
        if (options.MaxFlows == 0)
            throw new ArgumentException("MaxFlows must be positive", nameof(options));
        var obj = BpfObject.OpenEmbedded(typeof(FlowProgram).Assembly, ResourceName);
        try
        {
            obj.SetGlobal("sampling", options.Sampling);
            obj.SetGlobal("direction_filter", (byte)options.Direction);
            obj.SetMaxEntries("flows", options.MaxFlows);
            // Only the programs of the chosen source enter the kernel.
            obj.SetAutoload("river_flow_sock", options.Source == FlowSource.SocketFilter);
            obj.SetAutoload("river_flow_tc_ingress", options.Source == FlowSource.Tc);
            obj.SetAutoload("river_flow_tc_egress", options.Source == FlowSource.Tc);
            obj.Load();
            var program = new FlowProgram(obj, options);
            program._lastEvictionNs = BpfClock.MonotonicNanoseconds();
            return program;
        }
        catch
        {
            obj.Dispose();
            throw;
        }
    }

    /// <summary>Starts counting on an interface (no-op when already attached).</summary>
    /// <exception cref="BpfException">The kernel refused the attachment.</exception>
    public void Attach(int ifIndex)
    {
        if (_attached.ContainsKey(ifIndex))
            return;
        if (Options.Source == FlowSource.SocketFilter)
        {
            _attached[ifIndex] = SocketFilter.Attach(_object.GetProgram("river_flow_sock"), ifIndex);
            return;
        }

        var hook = TcHook.Open(ifIndex);
        try
        {
            // The direction filter is applied by attaching only the hooks asked for.
            if (Options.Direction != FlowDirectionFilter.Egress)
                hook.Attach(_object.GetProgram("river_flow_tc_ingress"), TcAttachPoint.Ingress);
            if (Options.Direction != FlowDirectionFilter.Ingress)
                hook.Attach(_object.GetProgram("river_flow_tc_egress"), TcAttachPoint.Egress);
        }
        catch
        {
            hook.Dispose();
            throw;
        }

        _attached[ifIndex] = hook;
    }

    /// <summary>Stops counting on an interface (no-op when not attached).</summary>
    public void Detach(int ifIndex)
    {
        if (_attached.Remove(ifIndex, out var attachment))
            attachment.Dispose();
    }

    /// <summary>
    /// Reads and removes every flow, summing the CPUs' slots (per-CPU slots untouched since the previous eviction
    /// are skipped) and scaling by the sampling rate. Appends to <paramref name="into"/>; returns the count.
    /// </summary>
    public int Evict(List<FlowRecord> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        var threshold = _lastEvictionNs;
        _lastEvictionNs = BpfClock.MonotonicNanoseconds();
        var added = 0;
        if (_useBatch)
        {
            try
            {
                // BPF_MAP_LOOKUP_AND_DELETE_BATCH: one syscall per BatchSize flows instead of two per flow.
                var cursor = default(BpfBatchCursor);
                var cpus = _perCpu.Length;
                while (!cursor.IsDone)
                {
                    var n = _flows.LookupBatchPerCpu(ref cursor, _batchKeys, _batchValues, delete: true);
                    for (var i = 0; i < n; i++)
                        added += Add(into, _batchKeys[i], _batchValues.AsSpan(i * cpus, cpus), threshold);
                }

                return added;
            }
            catch (NotSupportedException)
            {
                _useBatch = false;
            }
            catch (BpfException ex) when (ex.Errno == 28)
            {
                // ENOSPC: a hash bucket held more flows than one batch; what is left is read key by key below.
            }
        }

        // Collect the keys first: deleting while walking with get_next_key restarts the walk from the beginning.
        _keys.Clear();
        foreach (var key in _flows.Keys)
            _keys.Add(key);
        foreach (var key in _keys)
        {
            if (_flows.TryLookupAndDeletePerCpu(key, _perCpu))
                added += Add(into, key, _perCpu, threshold);
        }

        return added;
    }

    /// <summary>Sums one flow's CPU slots into a record; returns 1 when it had packets.</summary>
    private int Add(List<FlowRecord> into, in FlowKey key, ReadOnlySpan<FlowStats> slots, ulong threshold)
    {
        ulong bytes = 0, packets = 0, start = ulong.MaxValue, end = 0;
        foreach (ref readonly var slot in slots)
        {
            // A slot last written before the previous eviction is left over from an earlier life of the
            // element (kernels before 5.10 do not zero other CPUs' slots of a re-used element).
            if (slot.Packets == 0 || slot.EndNs < threshold)
                continue;
            bytes += slot.Bytes;
            packets += slot.Packets;
            start = Math.Min(start, slot.StartNs);
            end = Math.Max(end, slot.EndNs);
        }

        if (packets == 0)
            return 0;
        var scale = Options.Sampling > 1 ? Options.Sampling : 1UL;
        into.Add(new FlowRecord(key, bytes * scale, packets * scale, start, end));
        return 1;
    }

    /// <summary>Reads one of the program's per-CPU counters, summed over CPUs.</summary>
    public ulong ReadCounter(FlowCounter counter)
    {
        if (!_counters.LookupPerCpu((uint)counter, _counterPerCpu))
            return 0;
        ulong total = 0;
        foreach (var v in _counterPerCpu)
            total += v;
        return total;
    }

    /// <summary>Run time and run count of each loaded program (zero unless BPF statistics are enabled).</summary>
    public IEnumerable<(string Program, BpfRunStats Stats)> ReadRunStats()
    {
        foreach (var (name, program) in _object.Programs)
        {
            if (program.Fd >= 0)
                yield return (name, BpfStats.Read(program));
        }
    }

    /// <summary>Entries in the flow map now (a key walk; for the internal metrics).</summary>
    public int CountEntries()
    {
        var n = 0;
        foreach (var _ in _flows.Keys)
            n++;
        return n;
    }

    /// <summary>Detaches from every interface, then unloads the programs and frees the maps.</summary>
    public void Dispose()
    {
        foreach (var attachment in _attached.Values)
            attachment.Dispose();
        _attached.Clear();
        _object.Dispose();
    }
}
