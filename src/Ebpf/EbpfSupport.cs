using System.Runtime.InteropServices;

namespace River.Ebpf;

/// <summary>Whether this machine can run our eBPF programs, and if not, why.</summary>
/// <param name="IsSupported">True when libbpf loads, the kernel is new enough and has BTF.</param>
/// <param name="Reason">Why eBPF is unusable; empty when supported.</param>
/// <param name="LibbpfVersion">libbpf's version, or null when it could not be loaded.</param>
/// <param name="KernelRelease">The running kernel (<c>uname -r</c> style).</param>
/// <param name="HasBtf">True when <c>/sys/kernel/btf/vmlinux</c> exists (CO-RE needs it).</param>
public sealed record EbpfSupportStatus(bool IsSupported, string Reason, Version? LibbpfVersion, string KernelRelease, bool HasBtf);

/// <summary>Probes native prerequisites without throwing: libbpf.so.1, the kernel version and BTF.</summary>
public static class EbpfSupport
{
    /// <summary>Oldest kernel whose verifier and helpers (ring buffer, bounded loops) the programs rely on.</summary>
    public static readonly Version MinimumKernel = new(5, 8);

    private static readonly Lazy<EbpfSupportStatus> Cached = new(ProbeNow);

    /// <summary>The probe result, computed once per process.</summary>
    public static EbpfSupportStatus Status => Cached.Value;

    /// <summary>Throws <see cref="BpfException"/> with the reason when eBPF is unsupported.</summary>
    public static void EnsureSupported()
    {
        var status = Status;
        if (!status.IsSupported)
            throw new BpfException("eBPF is not supported here: " + status.Reason);
    }

    private static EbpfSupportStatus ProbeNow()
    {
        var release = ReadKernelRelease();
        var hasBtf = File.Exists("/sys/kernel/btf/vmlinux");
        if (!OperatingSystem.IsLinux())
            return new(false, "eBPF needs Linux", null, release, false);
        if (!NativeLibrary.TryLoad(Interop.Libbpf.Name, out var library))
            return new(false, $"{Interop.Libbpf.Name} could not be loaded (install the libbpf1 package)", null, release, hasBtf);
        Version? version = null;
        try
        {
            if (!NativeLibrary.TryGetExport(library, "libbpf_major_version", out _))
                return new(false, "libbpf is older than 0.6 (no libbpf_major_version)", null, release, hasBtf);
            version = new Version((int)Interop.Libbpf.MajorVersion(), (int)Interop.Libbpf.MinorVersion());
        }
        finally
        {
            // The handle stays valid for the LibraryImport stubs: they load the library by name themselves.
            NativeLibrary.Free(library);
        }
        if (version.Major < 1)
            return new(false, $"libbpf {version} is too old; 1.0 or newer is required", version, release, hasBtf);
        var kernel = ParseKernelVersion(release);
        if (kernel is not null && kernel < MinimumKernel)
            return new(false, $"kernel {release} is older than {MinimumKernel}", version, release, hasBtf);
        if (!hasBtf)
            return new(false, "the kernel exposes no BTF (/sys/kernel/btf/vmlinux missing; CONFIG_DEBUG_INFO_BTF)", version, release, false);
        return new(true, string.Empty, version, release, true);
    }

    private static string ReadKernelRelease()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    /// <summary>Parses "6.1.0-18-amd64" as 6.1; null when unrecognisable.</summary>
    internal static Version? ParseKernelVersion(string release)
    {
        var parts = release.Split('.', 3);
        if (parts.Length < 2 || !int.TryParse(parts[0], out var major))
            return null;
        var minorText = new string(parts[1].TakeWhile(char.IsAsciiDigit).ToArray());
        return int.TryParse(minorText, out var minor) ? new Version(major, minor) : null;
    }
}
