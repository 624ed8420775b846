using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace River.Components.Beyla.Discovery;

/// <summary>
/// Finds the processes to instrument by scanning <c>/proc</c>, as Beyla's process watcher does: a process is selected
/// when any <c>services</c> selector (or the top-level <c>open_port</c>/<c>executable_name</c>) matches it, no
/// <c>exclude_services</c> or <c>default_exclude_services</c> selector matches it, and — with
/// <c>exclude_otel_instrumented_services</c> — it is not exporting OpenTelemetry data itself. A child of a selected
/// process is selected too (forked workers). A selected process stays selected while it lives.
/// </summary>
public sealed class ProcessDiscovery
{
    /// <summary>Beyla's discovery poll interval.</summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(5);

    private readonly ProcFs _proc;
    private readonly IReadOnlyList<ServiceSelector> _include;
    private readonly IReadOnlyList<ServiceSelector> _exclude;
    private readonly bool _excludeSelf;
    private readonly bool _excludeOtel;
    private readonly string _hostname;
    private readonly bool _needsPorts;
    private readonly int _selfPid = Environment.ProcessId;
    private Dictionary<int, DiscoveredService> _selected = [];

    /// <summary>Builds discovery from validated arguments.</summary>
    public ProcessDiscovery(BeylaArguments arguments, ProcFs? proc = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        _proc = proc ?? new ProcFs();
        var include = new List<ServiceSelector>();
        if (arguments.OpenPort.Length > 0 || arguments.ExecutableName.Length > 0)
        {
            // Beyla's top-level port and executable form one selector: both must match when both are set.
            include.Add(new ServiceSelector("", "", arguments.OpenPorts,
                arguments.ExecutableName.Length > 0 ? new Regex(arguments.ExecutableName, RegexOptions.CultureInvariant) : null));
        }

        include.AddRange(arguments.Discovery.Services.Select(ServiceSelector.From));
        _include = include;
        var defaults = arguments.Discovery.DefaultExcludeServices.Select(ServiceSelector.From).Where(s => s.HasCriteria).ToList();
        _exclude = [.. arguments.Discovery.ExcludeServices.Select(ServiceSelector.From), .. defaults];
        // River never instruments itself while default exclusions are on (it may run as "dotnet River.Cli.dll").
        _excludeSelf = defaults.Count > 0;
        _excludeOtel = arguments.Discovery.ExcludeOtelInstrumentedServices;
        _hostname = ResolveHostname(arguments.Attributes.InstanceId);
        _needsPorts = _include.Any(s => !s.Ports.IsEmpty) || _exclude.Any(s => !s.Ports.IsEmpty);
    }

    /// <summary>True when there is at least one selection criterion; otherwise nothing is ever selected.</summary>
    public bool HasCriteria => _include.Any(s => s.HasCriteria);

    /// <summary>The hostname used in <c>service.instance.id</c>.</summary>
    public string Hostname => _hostname;

    /// <summary>The processes selected by the last scan.</summary>
    public IReadOnlyDictionary<int, DiscoveredService> Selected => _selected;

    /// <summary>Raised after a scan that changed the selection (for the BPF PID filter map and metrics).</summary>
    public event Action<DiscoveryChange>? SelectionChanged;

    /// <summary>Scans /proc once and returns the new selection with what changed.</summary>
    public DiscoveryChange Scan()
    {
        var pids = _proc.ListPids();
        var snapshots = new Dictionary<int, ProcessSnapshot>(pids.Count);
        foreach (var pid in pids)
        {
            if (_proc.ReadProcess(pid) is { } s)
            {
                snapshots[pid] = s;
            }
        }

        var ports = _needsPorts ? _proc.ReadListeningPorts(snapshots.Keys) : [];
        var next = new Dictionary<int, DiscoveredService>();
        var decided = new Dictionary<int, ServiceSelector?>();
        foreach (var (pid, snap) in snapshots)
        {
            // A known process keeps its identity until it exits (same pid and start time).
            if (_selected.TryGetValue(pid, out var known) && known.StartTicks == snap.StartTicks)
            {
                next[pid] = known;
                continue;
            }

            if (snap.ExePath.Length == 0 || snap.ExePath == "/" || (pid == _selfPid && _excludeSelf))
            {
                continue; // kernel threads, zombies, processes whose exe is not ready yet
            }

            var selector = Select(snap, ports.TryGetValue(pid, out var p) ? p : EmptyPorts);
            decided[pid] = selector;
            if (selector is not null && IsAllowed(pid))
            {
                next[pid] = Describe(snap, selector, p);
            }
        }

        // Forked workers: a process whose parent is selected inherits the parent's selection.
        foreach (var (pid, snap) in snapshots)
        {
            if (!next.ContainsKey(pid) && next.TryGetValue(snap.ParentPid, out var parent) && snap.ExePath.Length > 0
                && !(pid == _selfPid && _excludeSelf) && !IsExcluded(snap, ports.TryGetValue(pid, out var cp) ? cp : EmptyPorts)
                && IsAllowed(pid))
            {
                next[pid] = parent with
                {
                    Pid = pid,
                    StartTicks = snap.StartTicks,
                    InstanceId = $"{_hostname}:{pid}",
                    ExePath = snap.ExePath,
                    CommandLine = snap.CommandLine,
                    Ports = cp is null ? [] : [.. cp],
                };
            }
        }

        var added = next.Values.Where(s => !_selected.TryGetValue(s.Pid, out var old) || old != s).ToList();
        var removed = _selected.Values.Where(s => !next.TryGetValue(s.Pid, out var now) || now != s).ToList();
        _selected = next;
        var change = new DiscoveryChange(next, added, removed);
        if (added.Count > 0 || removed.Count > 0)
        {
            SelectionChanged?.Invoke(change);
        }

        return change;
    }

    /// <summary>Scans every <paramref name="interval"/> until cancelled; scan failures are logged and retried.</summary>
    public async Task RunAsync(TimeSpan interval, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(logger);
        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                Scan();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(ex, "process discovery scan failed");
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    private static readonly SortedSet<int> EmptyPorts = [];

    private ServiceSelector? Select(ProcessSnapshot snap, IReadOnlySet<int> ports)
    {
        ServiceSelector? match = null;
        foreach (var s in _include)
        {
            if (s.Matches(snap, ports))
            {
                match = s;
                break;
            }
        }

        return match is null || IsExcluded(snap, ports) ? null : match;
    }

    private bool IsExcluded(ProcessSnapshot snap, IReadOnlySet<int> ports)
    {
        foreach (var s in _exclude)
        {
            if (s.Matches(snap, ports))
            {
                return true;
            }
        }

        return false;
    }

    private bool IsAllowed(int pid) => !_excludeOtel || !IsOtelInstrumented(_proc.ReadEnvironment(pid));

    /// <summary>
    /// True when the environment configures an OpenTelemetry exporter (<c>OTEL_EXPORTER_OTLP_*</c>, or
    /// <c>OTEL_TRACES_EXPORTER</c>/<c>OTEL_METRICS_EXPORTER</c> other than <c>none</c>): the process reports its own
    /// telemetry, and instrumenting it too would duplicate it. <c>OTEL_SERVICE_NAME</c> alone only names a service.
    /// </summary>
    public static bool IsOtelInstrumented(IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        foreach (var (key, value) in environment)
        {
            if (key.StartsWith("OTEL_EXPORTER_OTLP", StringComparison.Ordinal) && value.Length > 0)
            {
                return true;
            }

            if (key is "OTEL_TRACES_EXPORTER" or "OTEL_METRICS_EXPORTER" && value.Length > 0 && value != "none")
            {
                return true;
            }
        }

        return false;
    }

    private DiscoveredService Describe(ProcessSnapshot snap, ServiceSelector selector, SortedSet<int>? ports)
    {
        var env = _proc.ReadEnvironment(snap.Pid);
        var resource = ParseResourceAttributes(env.TryGetValue("OTEL_RESOURCE_ATTRIBUTES", out var ra) ? ra : "");
        // Precedence (Beyla): the selector's name, OTEL_SERVICE_NAME, service.name in OTEL_RESOURCE_ATTRIBUTES, the
        // executable's file name. Values starting with '$' are unexpanded templates and ignored.
        var name = selector.Name;
        if (name.Length == 0 && env.TryGetValue("OTEL_SERVICE_NAME", out var envName) && Usable(envName))
        {
            name = envName;
        }

        if (name.Length == 0 && resource.TryGetValue("service.name", out var resName) && Usable(resName))
        {
            name = resName;
        }

        if (name.Length == 0)
        {
            name = Path.GetFileName(snap.ExePath);
        }

        var ns = selector.Namespace;
        if (ns.Length == 0 && resource.TryGetValue("service.namespace", out var resNs) && Usable(resNs))
        {
            ns = resNs;
        }

        resource.Remove("service.name");
        resource.Remove("service.namespace");
        return new DiscoveredService(
            snap.Pid, snap.StartTicks, name, ns, $"{_hostname}:{snap.Pid}", snap.ExePath, snap.CommandLine,
            ports is null ? [] : [.. ports], DetectLanguage(snap), resource);
    }

    private static bool Usable(string value) => value.Length > 0 && value[0] != '$';

    /// <summary>Parses <c>k1=v1,k2=v2</c> (values may be percent-encoded, as the OTel spec allows).</summary>
    public static Dictionary<string, string> ParseResourceAttributes(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=');
            if (eq > 0)
            {
                result[pair[..eq].Trim()] = Uri.UnescapeDataString(pair[(eq + 1)..].Trim());
            }
        }

        return result;
    }

    private string DetectLanguage(ProcessSnapshot snap)
    {
        var exe = Path.GetFileName(snap.ExePath);
        if (exe.StartsWith("python", StringComparison.Ordinal))
        {
            return "python";
        }

        if (exe is "node" or "nodejs")
        {
            return "nodejs";
        }

        if (exe is "java")
        {
            return "java";
        }

        if (exe.StartsWith("ruby", StringComparison.Ordinal))
        {
            return "ruby";
        }

        // Beyla looks at the mapped libraries for runtimes embedded in other executables.
        foreach (var file in _proc.ReadMappedFiles(snap.Pid))
        {
            var lib = Path.GetFileName(file);
            if (lib.StartsWith("libcoreclr.so", StringComparison.Ordinal))
            {
                return "dotnet";
            }

            if (lib.StartsWith("libjvm.so", StringComparison.Ordinal))
            {
                return "java";
            }

            if (lib.StartsWith("libpython3", StringComparison.Ordinal))
            {
                return "python";
            }

            if (lib.StartsWith("libruby", StringComparison.Ordinal))
            {
                return "ruby";
            }

            if (lib.StartsWith("libstdc++", StringComparison.Ordinal) || lib.StartsWith("libc++", StringComparison.Ordinal))
            {
                return "cpp";
            }
        }

        return "generic";
    }

    private static string ResolveHostname(InstanceIdBlock options)
    {
        if (options.OverrideHostname.Length > 0)
        {
            return options.OverrideHostname;
        }

        var host = Environment.MachineName;
        if (!options.Dns)
        {
            return host;
        }

        try
        {
            var entry = Dns.GetHostEntry(host);
            return string.IsNullOrEmpty(entry.HostName) ? host : entry.HostName;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return host;
        }
    }

    /// <summary>The pids currently selected, formatted for logs.</summary>
    public override string ToString() =>
        string.Join(",", _selected.Keys.Order().Select(p => p.ToString(CultureInfo.InvariantCulture)));
}
