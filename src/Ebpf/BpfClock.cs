namespace River.Ebpf;

/// <summary>The clock of <c>bpf_ktime_get_ns</c> (CLOCK_MONOTONIC), for comparing kernel timestamps with now.</summary>
public static unsafe class BpfClock
{
    /// <summary>Nanoseconds of CLOCK_MONOTONIC now.</summary>
    public static ulong MonotonicNanoseconds()
    {
        Interop.Libc.TimeSpec now;
        if (Interop.Libc.ClockGetTime(Interop.Libc.ClockMonotonic, &now) != 0)
            throw new BpfException("clock_gettime(CLOCK_MONOTONIC) failed", System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
        return (ulong)now.Seconds * 1_000_000_000UL + (ulong)now.Nanoseconds;
    }

    /// <summary>Converts a kernel monotonic timestamp to wall-clock time (now minus its age).</summary>
    public static DateTimeOffset ToWallClock(ulong monotonicNanoseconds)
    {
        var age = (long)(MonotonicNanoseconds() - monotonicNanoseconds);
        return DateTimeOffset.UtcNow - TimeSpan.FromTicks(age / 100);
    }
}
