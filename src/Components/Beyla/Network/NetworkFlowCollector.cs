using Microsoft.Extensions.Logging;
using Prometheus;
using River.Components.Beyla.Attributes;
using River.Ebpf;

namespace River.Components.Beyla.Network;

/// <summary>
/// The <c>network</c> feature of <c>beyla.ebpf</c>: loads the flow program with the <c>metrics.network</c>
/// settings, keeps it attached to the selected interfaces (re-scanned every second, so interfaces that appear or
/// go later are followed), and every <c>cache_active_timeout</c> evicts the flow map, de-duplicates flows seen on
/// several interfaces and adds them to the flow counters. Needs no instrumented process.
/// </summary>
public sealed class NetworkFlowCollector : IDisposable
{
    private static readonly TimeSpan RescanPeriod = TimeSpan.FromSeconds(1);

    private readonly NetworkMetricsBlock _settings;
    private readonly InterfaceSelection _interfaces;
    private readonly NetworkMetrics _metrics;
    private readonly FlowDeduper _deduper;
    private readonly ILogger _logger;
    private readonly Dictionary<int, string> _names = [];
    private readonly HashSet<int> _failed = [];
    private readonly List<FlowRecord> _batch = [];
    private readonly Gauge _mapEntries;
    private readonly Gauge _mapMaxEntries;
    private readonly Counter _packetsSeen;
    private readonly Counter _mapFull;
    private readonly Counter _evictions;
    private readonly Counter _runSeconds;
    private readonly Counter _runs;
    private readonly Lock _lock = new();
    private FlowProgram? _program;
    private ulong _lastSeen;
    private ulong _lastMapFull;

    /// <summary>Builds the collector and registers its metrics; nothing enters the kernel until <see cref="RunAsync"/>.</summary>
    public NetworkFlowCollector(BeylaArguments arguments, CollectorRegistry registry, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(registry);
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _settings = arguments.Metrics.Network;
        _interfaces = new InterfaceSelection(_settings.Interfaces, _settings.ExcludeInterfaces);
        var agentIp = NetworkInterfaces.AgentIp(_settings.AgentIp, _settings.AgentIpIface, _settings.AgentIpType);
        _metrics = new NetworkMetrics(_settings, arguments.Filters.Network, new AttributeSelection(arguments.Attributes.Select),
            registry, agentIp);
        _deduper = new FlowDeduper(2 * _settings.CacheActiveTimeout);
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _mapEntries = factory.CreateGauge("beyla_bpf_map_entries", "Entries of a BPF map at its last read", ["map_name"]);
        _mapMaxEntries = factory.CreateGauge("beyla_bpf_map_max_entries", "Capacity of a BPF map", ["map_name"]);
        _packetsSeen = factory.CreateCounter("beyla_bpf_network_packets_total", "Packets the flow program ran on");
        _mapFull = factory.CreateCounter("beyla_bpf_network_ignored_packets_total",
            "Packets not counted because the flow map could not take a new flow");
        _evictions = factory.CreateCounter("beyla_network_flow_evictions_total", "Flow records read from the kernel");
        // The kernel keeps these only while BPF statistics are on (sysctl kernel.bpf_stats_enabled=1): they cost two
        // clock reads per packet, so River does not switch them on itself.
        _runSeconds = factory.CreateCounter("beyla_bpf_program_run_seconds_total",
            "Time the kernel spent in a flow program (needs kernel.bpf_stats_enabled=1)", ["program"]);
        _runs = factory.CreateCounter("beyla_bpf_program_runs_total",
            "Runs of a flow program (needs kernel.bpf_stats_enabled=1)", ["program"]);
    }

    /// <summary>True when network metrics are on: <c>network</c> in <c>metrics.features</c> or <c>metrics.network.enabled</c>.</summary>
    public static bool IsEnabled(BeylaArguments arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return arguments.Metrics.Network.Enabled || arguments.Metrics.Features.Contains("network");
    }

    /// <summary>The metric side (for tests and the component).</summary>
    public NetworkMetrics Metrics => _metrics;

    /// <summary>Interface indexes the program is attached to now.</summary>
    public IReadOnlyCollection<int> AttachedInterfaces
    {
        get
        {
            lock (_lock)
            {
                return _program is null ? [] : [.. _program.AttachedInterfaces];
            }
        }
    }

    /// <summary>Loads the program, then attaches, evicts and counts until cancelled; detaches everything on exit.</summary>
    /// <exception cref="BpfException">The kernel refused the program.</exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var program = FlowProgram.Load(new FlowProgramOptions(
            _settings.Source == "tc" ? FlowSource.Tc : FlowSource.SocketFilter,
            (uint)_settings.CacheMaxFlows,
            (uint)_settings.Sampling,
            _settings.Direction switch
            {
                "ingress" => FlowDirectionFilter.Ingress,
                "egress" => FlowDirectionFilter.Egress,
                _ => FlowDirectionFilter.Both,
            }));
        lock (_lock)
        {
            _program = program;
        }

        _mapMaxEntries.WithLabels("flows").Set(program.MaxFlows);
        try
        {
            SyncInterfaces(program);
            var nextEviction = DateTime.UtcNow + _settings.CacheActiveTimeout;
            using var timer = new PeriodicTimer(RescanPeriod < _settings.CacheActiveTimeout ? RescanPeriod : _settings.CacheActiveTimeout);
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                SyncInterfaces(program);
                if (DateTime.UtcNow >= nextEviction)
                {
                    EvictOnce(program);
                    nextEviction = DateTime.UtcNow + _settings.CacheActiveTimeout;
                }
            }
        }
        finally
        {
            lock (_lock)
            {
                _program = null;
            }

            program.Dispose();
        }
    }

    /// <summary>
    /// <see cref="RunAsync"/> that reports a kernel refusal through <paramref name="onFailure"/> (and the log) instead
    /// of throwing, so the rest of the component keeps running.
    /// </summary>
    public async Task RunGuardedAsync(Action<string> onFailure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onFailure);
        try
        {
            await RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A kernel refusal (BpfException) is the expected case; anything else must not take the component down either.
            _logger.LogError("network metrics unavailable: {Error}", ex.Message);
            onFailure("network metrics unavailable: " + ex.Message);
        }
    }

    /// <summary>Reads the flow map once and adds what it held to the counters (the periodic step).</summary>
    internal int EvictOnce(FlowProgram program)
    {
        _batch.Clear();
        var evicted = program.Evict(_batch);
        _mapEntries.WithLabels("flows").Set(evicted);
        _evictions.Inc(evicted);
        var now = DateTime.UtcNow;
        foreach (var flow in _batch)
        {
            if (!_deduper.Accept(flow.Key, now))
                continue;
            _metrics.Record(flow, _names.TryGetValue((int)flow.Key.IfIndex, out var name) ? name : "");
        }

        _deduper.Expire(now);
        var seen = program.ReadCounter(FlowCounter.Seen);
        _packetsSeen.Inc(seen - _lastSeen);
        _lastSeen = seen;
        var full = program.ReadCounter(FlowCounter.MapFull);
        _mapFull.Inc(full - _lastMapFull);
        _lastMapFull = full;
        foreach (var (name, stats) in program.ReadRunStats())
        {
            _runSeconds.WithLabels(name).IncTo(stats.RunTimeNs / 1e9);
            _runs.WithLabels(name).IncTo(stats.RunCount);
        }

        return evicted;
    }

    private void SyncInterfaces(FlowProgram program)
    {
        var present = new HashSet<int>();
        foreach (var nic in NetworkInterfaces.List())
        {
            if (!_interfaces.Includes(nic.Name))
                continue;
            present.Add(nic.Index);
            _names[nic.Index] = nic.Name;
            if (program.AttachedInterfaces.Contains(nic.Index) || _failed.Contains(nic.Index))
                continue;
            try
            {
                lock (_lock)
                {
                    program.Attach(nic.Index);
                }

                _logger.LogInformation("network flows: {Source} attached to {Interface} (index {Index})", _settings.Source, nic.Name, nic.Index);
            }
            catch (BpfException ex)
            {
                // Remembered so a refusing interface is not retried (and logged) every second.
                _failed.Add(nic.Index);
                _logger.LogWarning("network flows: cannot attach to {Interface}: {Error}", nic.Name, ex.Message);
            }
        }

        foreach (var index in program.AttachedInterfaces.ToArray())
        {
            if (!present.Contains(index))
            {
                lock (_lock)
                {
                    program.Detach(index);
                }

                _logger.LogInformation("network flows: interface {Index} is gone, detached", index);
            }
        }

        _failed.IntersectWith(present);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_lock)
        {
            _program?.Dispose();
            _program = null;
        }
    }
}
