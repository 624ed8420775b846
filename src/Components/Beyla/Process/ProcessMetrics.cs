using System.Globalization;
using Prometheus;
using River.Components.Beyla.Discovery;

namespace River.Components.Beyla.Process;

/// <summary>One reading of a process's resource use from <c>/proc</c>.</summary>
/// <param name="UserSeconds">CPU time in user mode (stat field 14).</param>
/// <param name="SystemSeconds">CPU time in kernel mode (stat field 15).</param>
/// <param name="WaitSeconds">Time blocked on block I/O (stat field 42, delayacct_blkio_ticks; 0 without delay accounting).</param>
/// <param name="ParentPid">Parent pid (stat field 4).</param>
/// <param name="Command">Command name (stat field 2, <c>comm</c>).</param>
/// <param name="ResidentBytes">VmRSS.</param>
/// <param name="VirtualBytes">VmSize.</param>
/// <param name="Uid">Real uid.</param>
/// <param name="DiskReadBytes">Bytes read from storage (<c>/proc/PID/io</c> read_bytes).</param>
/// <param name="DiskWriteBytes">Bytes written to storage (write_bytes).</param>
/// <param name="NetReceiveBytes">Bytes received by the process's network namespace (<c>/proc/PID/net/dev</c>, all interfaces).</param>
/// <param name="NetTransmitBytes">Bytes transmitted by the process's network namespace.</param>
public sealed record ProcessSample(
    double UserSeconds, double SystemSeconds, double WaitSeconds, int ParentPid, string Command,
    long ResidentBytes, long VirtualBytes, int Uid, long DiskReadBytes, long DiskWriteBytes,
    long NetReceiveBytes, long NetTransmitBytes)
{
    /// <summary>USER_HZ: the unit of the stat times (100 on every Linux architecture River runs on).</summary>
    public const double TicksPerSecond = 100;

    /// <summary>Reads a process; null when it has exited or cannot be read.</summary>
    public static ProcessSample? Read(int pid, string procRoot = "/proc")
    {
        try
        {
            return ReadOrThrow(pid, procRoot);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            // A file changed format or was cut short while the process exited: skip this reading.
            return null;
        }
    }

    private static ProcessSample? ReadOrThrow(int pid, string procRoot)
    {
        var dir = Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture));
        var stat = ReadText(Path.Combine(dir, "stat"));
        var status = ReadText(Path.Combine(dir, "status"));
        if (stat is null || status is null)
            return null;
        var open = stat.IndexOf('(', StringComparison.Ordinal);
        var close = stat.LastIndexOf(')');
        if (open < 0 || close < open)
            return null;
        // Fields after the command name start at field 3 (state); index 0 here is field 3.
        var fields = stat[(close + 2)..].Split(' ');
        if (fields.Length < 40)
            return null;
        double Ticks(int field) => long.Parse(fields[field - 3], CultureInfo.InvariantCulture) / TicksPerSecond;
        long Status(string key)
        {
            foreach (var line in status.Split('\n'))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    var value = line[key.Length..].Trim();
                    var space = value.IndexOf(' ', StringComparison.Ordinal);
                    var number = long.Parse(space < 0 ? value : value[..space], CultureInfo.InvariantCulture);
                    return value.EndsWith("kB", StringComparison.Ordinal) ? number * 1024 : number;
                }
            }

            return 0;
        }

        var uidLine = status.Split('\n').FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        var uid = uidLine is null ? -1 : int.Parse(uidLine[4..].Split('\t', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
        long diskRead = 0, diskWrite = 0;
        if (ReadText(Path.Combine(dir, "io")) is { } io)
        {
            foreach (var line in io.Split('\n'))
            {
                if (line.StartsWith("read_bytes:", StringComparison.Ordinal))
                    diskRead = long.Parse(line[11..].Trim(), CultureInfo.InvariantCulture);
                else if (line.StartsWith("write_bytes:", StringComparison.Ordinal))
                    diskWrite = long.Parse(line[12..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        long rx = 0, tx = 0;
        if (ReadText(Path.Combine(dir, "net", "dev")) is { } dev)
        {
            // Two header lines, then "iface: rx_bytes packets errs drop fifo frame compressed multicast tx_bytes …".
            foreach (var line in dev.Split('\n').Skip(2))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0)
                    continue;
                var numbers = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (numbers.Length < 9)
                    continue;
                rx += long.Parse(numbers[0], CultureInfo.InvariantCulture);
                tx += long.Parse(numbers[8], CultureInfo.InvariantCulture);
            }
        }

        return new ProcessSample(Ticks(14), Ticks(15), Ticks(42), int.Parse(fields[1], CultureInfo.InvariantCulture),
            stat[(open + 1)..close], Status("VmRSS:"), Status("VmSize:"), uid, diskRead, diskWrite, rx, tx);
    }

    private static string? ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>
/// The <c>application_process</c> feature: Beyla's process metrics for every instrumented process, read from
/// <c>/proc</c> on each <see cref="Collect"/> (every 5 s in the component). Counters carry the process's lifetime
/// totals; the utilization gauge is the CPU time spent per CPU between two collections.
/// </summary>
public sealed class ProcessMetrics
{
    /// <summary>Default labels of every process metric (Beyla's set without the Kubernetes ones).</summary>
    public static readonly string[] LabelNames =
        ["service_name", "service_namespace", "instance", "job", "process_command", "process_pid", "process_owner", "process_parent_pid"];

    private readonly Counter _cpuTime;
    private readonly Gauge _cpuUtilization;
    private readonly Gauge _memoryUsage;
    private readonly Gauge _memoryVirtual;
    private readonly Counter _diskIo;
    private readonly Counter _networkIo;
    private readonly string _procRoot;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, Tracked> _processes = [];

    /// <summary>Registers the metrics in <paramref name="registry"/>.</summary>
    public ProcessMetrics(CollectorRegistry registry, string procRoot = "/proc")
    {
        ArgumentNullException.ThrowIfNull(registry);
        _procRoot = procRoot;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _cpuTime = factory.CreateCounter("process_cpu_time_seconds_total", "CPU time the process spent, by mode", [.. LabelNames, "cpu_mode"]);
        _cpuUtilization = factory.CreateGauge("process_cpu_utilization_ratio",
            "CPU time spent per available CPU since the previous reading, by mode", [.. LabelNames, "cpu_mode"]);
        _memoryUsage = factory.CreateGauge("process_memory_usage_bytes", "Resident memory of the process", LabelNames);
        _memoryVirtual = factory.CreateGauge("process_memory_virtual_bytes", "Virtual memory of the process", LabelNames);
        _diskIo = factory.CreateCounter("process_disk_io_bytes_total", "Bytes the process read from and wrote to storage",
            [.. LabelNames, "disk_io_direction"]);
        _networkIo = factory.CreateCounter("process_network_io_bytes_total",
            "Bytes received and transmitted in the process's network namespace", [.. LabelNames, "network_io_direction"]);
    }

    /// <summary>Processes measured now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _processes.Count;
            }
        }
    }

    /// <summary>Follows discovery: new processes are measured, gone ones lose their series.</summary>
    public void OnDiscoveryChanged(DiscoveryChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_lock)
        {
            foreach (var s in change.Removed)
            {
                if (_processes.Remove(s.Pid, out var gone) && gone.Labels is { } labels)
                    RemoveSeries(labels);
            }

            foreach (var s in change.Added)
                _processes[s.Pid] = new Tracked(s);
        }
    }

    /// <summary>Reads every measured process once and updates its series.</summary>
    public void Collect()
    {
        lock (_lock)
        {
            var now = System.Diagnostics.Stopwatch.GetTimestamp();
            foreach (var tracked in _processes.Values)
            {
                if (ProcessSample.Read(tracked.Service.Pid, _procRoot) is not { } sample)
                    continue;
                tracked.Labels ??= Labels(tracked.Service, sample);
                var l = tracked.Labels;
                _cpuTime.WithLabels([.. l, "user"]).IncTo(sample.UserSeconds);
                _cpuTime.WithLabels([.. l, "system"]).IncTo(sample.SystemSeconds);
                _cpuTime.WithLabels([.. l, "wait"]).IncTo(sample.WaitSeconds);
                if (tracked.Previous is { } previous)
                {
                    var wall = System.Diagnostics.Stopwatch.GetElapsedTime(tracked.PreviousTimestamp, now).TotalSeconds * Environment.ProcessorCount;
                    if (wall > 0)
                    {
                        _cpuUtilization.WithLabels([.. l, "user"]).Set((sample.UserSeconds - previous.UserSeconds) / wall);
                        _cpuUtilization.WithLabels([.. l, "system"]).Set((sample.SystemSeconds - previous.SystemSeconds) / wall);
                        _cpuUtilization.WithLabels([.. l, "wait"]).Set((sample.WaitSeconds - previous.WaitSeconds) / wall);
                    }
                }

                _memoryUsage.WithLabels(l).Set(sample.ResidentBytes);
                _memoryVirtual.WithLabels(l).Set(sample.VirtualBytes);
                _diskIo.WithLabels([.. l, "read"]).IncTo(sample.DiskReadBytes);
                _diskIo.WithLabels([.. l, "write"]).IncTo(sample.DiskWriteBytes);
                _networkIo.WithLabels([.. l, "receive"]).IncTo(sample.NetReceiveBytes);
                _networkIo.WithLabels([.. l, "transmit"]).IncTo(sample.NetTransmitBytes);
                tracked.Previous = sample;
                tracked.PreviousTimestamp = now;
            }
        }
    }

    /// <summary>Collects every <paramref name="interval"/> until cancelled.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        Collect();
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            Collect();
    }

    private void RemoveSeries(string[] l)
    {
        foreach (var mode in new[] { "user", "system", "wait" })
        {
            _cpuTime.RemoveLabelled([.. l, mode]);
            _cpuUtilization.RemoveLabelled([.. l, mode]);
        }

        _memoryUsage.RemoveLabelled(l);
        _memoryVirtual.RemoveLabelled(l);
        _diskIo.RemoveLabelled([.. l, "read"]);
        _diskIo.RemoveLabelled([.. l, "write"]);
        _networkIo.RemoveLabelled([.. l, "receive"]);
        _networkIo.RemoveLabelled([.. l, "transmit"]);
    }

    private static string[] Labels(DiscoveredService s, ProcessSample sample) =>
    [
        s.ServiceName, s.ServiceNamespace, s.InstanceId, s.Job, sample.Command,
        s.Pid.ToString(CultureInfo.InvariantCulture), UserName(sample.Uid),
        sample.ParentPid.ToString(CultureInfo.InvariantCulture),
    ];

    /// <summary>The user name of <paramref name="uid"/> from /etc/passwd, or the number.</summary>
    internal static string UserName(int uid)
    {
        var text = uid.ToString(CultureInfo.InvariantCulture);
        try
        {
            foreach (var line in File.ReadLines("/etc/passwd"))
            {
                var f = line.Split(':');
                if (f.Length > 2 && f[2] == text)
                    return f[0];
            }
        }
        catch (IOException)
        {
        }

        return text;
    }

    private sealed class Tracked(DiscoveredService service)
    {
        public DiscoveredService Service { get; } = service;

        public string[]? Labels { get; set; }

        public ProcessSample? Previous { get; set; }

        public long PreviousTimestamp { get; set; }
    }
}
