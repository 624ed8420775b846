using System.Runtime.InteropServices;

namespace River.Ebpf;

/// <summary>The tracing filesystem, which tracepoint attachment reads event ids from.</summary>
public static class Tracefs
{
    /// <summary>Where tracefs is mounted on current kernels.</summary>
    public const string MountPoint = "/sys/kernel/tracing";

    /// <summary>True when tracefs is mounted at <see cref="MountPoint"/> (or reachable through debugfs).</summary>
    public static bool IsMounted =>
        Directory.Exists(Path.Combine(MountPoint, "events")) || Directory.Exists("/sys/kernel/debug/tracing/events");

    /// <summary>Mounts tracefs at <see cref="MountPoint"/> unless already mounted (needs CAP_SYS_ADMIN).</summary>
    /// <exception cref="BpfException">The mount failed.</exception>
    public static void EnsureMounted()
    {
        if (IsMounted)
            return;
        if (Interop.Libc.Mount("nodev", MountPoint, "tracefs", 0, 0) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            // A concurrent mount by someone else is success for us.
            if (errno == Errno.EBUSY && IsMounted)
                return;
            throw new BpfException($"mount -t tracefs nodev {MountPoint} failed", errno);
        }
    }
}
