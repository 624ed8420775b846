using Microsoft.Win32.SafeHandles;

namespace River.Ebpf;

/// <summary>Run-time statistics of a loaded program, as the kernel keeps them while BPF stats are enabled.</summary>
/// <param name="RunTimeNs">Total time spent in the program, ns.</param>
/// <param name="RunCount">Number of runs.</param>
public readonly record struct BpfRunStats(ulong RunTimeNs, ulong RunCount);

/// <summary>
/// The kernel's BPF run-time statistics. They cost two clock reads per program run, so the kernel keeps them only
/// while enabled: by the sysctl <c>kernel.bpf_stats_enabled</c>, or while an fd from <see cref="Enable"/> is open.
/// </summary>
public static unsafe class BpfStats
{
    /// <summary>True when the sysctl <c>kernel.bpf_stats_enabled</c> is 1.</summary>
    public static bool SysctlEnabled
    {
        get
        {
            try
            {
                return File.ReadAllText("/proc/sys/kernel/bpf_stats_enabled").Trim() == "1";
            }
            catch (IOException)
            {
                return false;
            }
        }
    }

    /// <summary>Enables run-time statistics until the returned handle is disposed (BPF_ENABLE_STATS).</summary>
    /// <exception cref="BpfException">The kernel refused (needs CAP_SYS_ADMIN).</exception>
    public static IDisposable Enable()
    {
        EbpfSupport.EnsureSupported();
        var fd = Interop.Libbpf.EnableStats(Interop.Libbpf.StatsRunTime);
        if (fd < 0)
            throw new BpfException("enabling BPF run-time statistics failed", -fd);
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Reads a program's statistics (zero while statistics are disabled).</summary>
    /// <exception cref="BpfException">The program is not loaded or the kernel refused.</exception>
    public static BpfRunStats Read(BpfProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        var fd = program.Fd;
        if (fd < 0)
            throw new InvalidOperationException($"program '{program.Name}' is not loaded");
        var info = stackalloc byte[Interop.Libbpf.ProgInfoSize];
        new Span<byte>(info, Interop.Libbpf.ProgInfoSize).Clear();
        var length = (uint)Interop.Libbpf.ProgInfoSize;
        var rc = Interop.Libbpf.ObjGetInfoByFd(fd, info, &length);
        if (rc < 0)
            throw new BpfException($"reading the info of program '{program.Name}' failed", -rc);
        if (length < Interop.Libbpf.ProgInfoRunCountOffset + 8)
            return default;
        return new BpfRunStats(*(ulong*)(info + Interop.Libbpf.ProgInfoRunTimeOffset), *(ulong*)(info + Interop.Libbpf.ProgInfoRunCountOffset));
    }
}
