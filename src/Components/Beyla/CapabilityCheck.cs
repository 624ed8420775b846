using River.Ebpf;

namespace River.Components.Beyla;

/// <summary>The outcome of the <c>enforce_sys_caps</c> check.</summary>
/// <param name="Missing">Required capabilities the process lacks, in kernel bit order.</param>
/// <param name="Message">Beyla's message listing them ("" when none is missing).</param>
public sealed record CapabilityReport(IReadOnlyList<LinuxCapability> Missing, string Message)
{
    /// <summary>True when nothing is missing.</summary>
    public bool Ok => Missing.Count == 0;
}

/// <summary>
/// Beyla's start-up capability check for application observability: CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE,
/// CAP_NET_RAW, CAP_DAC_READ_SEARCH and CAP_CHECKPOINT_RESTORE (CAP_NET_ADMIN too with context propagation or TC
/// network metrics); CAP_SYS_ADMIN satisfies everything. With <c>enforce_sys_caps</c> a missing capability aborts
/// start-up, otherwise it is a warning.
/// </summary>
public static class CapabilityCheck
{
    /// <summary>The capabilities <paramref name="arguments"/> needs.</summary>
    public static IReadOnlyList<LinuxCapability> Required(BeylaArguments arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var required = new List<LinuxCapability>(CapabilitySet.TracerRequirements);
        if (arguments.Ebpf.EnableContextPropagation
            || (Network.NetworkFlowCollector.IsEnabled(arguments) && arguments.Metrics.Network.Source == "tc"))
        {
            required.Add(LinuxCapability.NetAdmin);
        }

        return required;
    }

    /// <summary>Checks <paramref name="effective"/> against what <paramref name="arguments"/> needs.</summary>
    public static CapabilityReport Check(BeylaArguments arguments, CapabilitySet effective)
    {
        var missing = effective.Missing(Required(arguments));
        return new CapabilityReport(missing,
            missing.Count == 0 ? "" : "the following capabilities are required: " + CapabilitySet.Describe(missing));
    }

    /// <summary>Checks the effective capabilities of this process (from /proc/self/status).</summary>
    public static CapabilityReport CheckCurrent(BeylaArguments arguments) => Check(arguments, CapabilitySet.Current());
}
