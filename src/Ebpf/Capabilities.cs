using System.Globalization;

namespace River.Ebpf;

/// <summary>Linux capabilities relevant to eBPF tracing; values are the kernel's bit numbers.</summary>
public enum LinuxCapability
{
    /// <summary>Bypass permission checks on reads and directory search (open ELF files, /proc).</summary>
    DacReadSearch = 2,
    /// <summary>Network administration (TC programs, sock_ops).</summary>
    NetAdmin = 12,
    /// <summary>Raw and packet sockets (socket filters).</summary>
    NetRaw = 13,
    /// <summary>Inspect other processes (/proc/PID/exe, maps, environ).</summary>
    SysPtrace = 19,
    /// <summary>System administration; implies the eBPF capabilities on old kernels.</summary>
    SysAdmin = 21,
    /// <summary>Raise resource limits (memlock before 5.11).</summary>
    SysResource = 24,
    /// <summary>Performance monitoring and tracing programs.</summary>
    Perfmon = 38,
    /// <summary>Load BPF programs and create maps.</summary>
    Bpf = 39,
    /// <summary>Follow /proc symlinks of other processes.</summary>
    CheckpointRestore = 40,
}

/// <summary>A set of capabilities, as read from the <c>CapEff</c> line of /proc/PID/status.</summary>
public readonly record struct CapabilitySet(ulong Mask)
{
    /// <summary>The capabilities an HTTP-capturing tracer needs (Beyla's application-observability set).</summary>
    public static readonly IReadOnlyList<LinuxCapability> TracerRequirements =
    [
        LinuxCapability.DacReadSearch, LinuxCapability.NetRaw, LinuxCapability.SysPtrace,
        LinuxCapability.Perfmon, LinuxCapability.Bpf, LinuxCapability.CheckpointRestore,
    ];

    /// <summary>True when the capability is in the set.</summary>
    public bool Has(LinuxCapability capability) => (Mask & (1UL << (int)capability)) != 0;

    /// <summary>The required capabilities not in the set, in kernel bit order. CAP_SYS_ADMIN satisfies all.</summary>
    public IReadOnlyList<LinuxCapability> Missing(IEnumerable<LinuxCapability> required)
    {
        if (Has(LinuxCapability.SysAdmin))
            return [];
        var mask = Mask;
        var missing = required.Where(c => (mask & (1UL << (int)c)) == 0).Distinct().ToList();
        missing.Sort();
        return missing;
    }

    /// <summary>"CAP_BPF, CAP_PERFMON" style list of names.</summary>
    public static string Describe(IEnumerable<LinuxCapability> capabilities) =>
        string.Join(", ", capabilities.Select(Name));

    /// <summary>The kernel's name of a capability, e.g. CAP_DAC_READ_SEARCH.</summary>
    public static string Name(LinuxCapability capability) => capability switch
    {
        LinuxCapability.DacReadSearch => "CAP_DAC_READ_SEARCH",
        LinuxCapability.NetAdmin => "CAP_NET_ADMIN",
        LinuxCapability.NetRaw => "CAP_NET_RAW",
        LinuxCapability.SysPtrace => "CAP_SYS_PTRACE",
        LinuxCapability.SysAdmin => "CAP_SYS_ADMIN",
        LinuxCapability.SysResource => "CAP_SYS_RESOURCE",
        LinuxCapability.Perfmon => "CAP_PERFMON",
        LinuxCapability.Bpf => "CAP_BPF",
        LinuxCapability.CheckpointRestore => "CAP_CHECKPOINT_RESTORE",
        _ => "CAP_" + ((int)capability).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The effective capabilities of this process.</summary>
    public static CapabilitySet Current() => FromStatusText(File.ReadAllText("/proc/self/status"));

    /// <summary>Parses the <c>CapEff:</c> line of a /proc/PID/status text.</summary>
    /// <exception cref="FormatException">The text has no valid CapEff line.</exception>
    public static CapabilitySet FromStatusText(string statusText)
    {
        ArgumentNullException.ThrowIfNull(statusText);
        foreach (var line in statusText.Split('\n'))
        {
            if (!line.StartsWith("CapEff:", StringComparison.Ordinal))
                continue;
            var hex = line["CapEff:".Length..].Trim();
            if (ulong.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var mask))
                return new CapabilitySet(mask);
            throw new FormatException($"CapEff value '{hex}' is not hexadecimal");
        }
        throw new FormatException("no CapEff line in the status text");
    }
}
