using System.Diagnostics;
using System.Text;

namespace River.Runtime;

/// <summary>
/// Optional start-up accounting (<c>RIVER_TRACE_STARTUP=1</c>): per phase of the first load, the wall time, the
/// process CPU time (all threads), the bytes allocated and the garbage collections (and per-component sums of
/// allocated bytes), written as one line on stderr when River is first ready, or when <c>river validate</c> is done.
/// The line ends with the <see cref="Stopwatch"/> timestamps of the trace's start and of the line (CLOCK_MONOTONIC
/// nanoseconds on Linux), to place them against a clock outside the process. Costs a flag test otherwise.
/// docs/BENCHMARKS.md, "Runtime" and "`river validate` scaling", show how it is read.
/// </summary>
internal static class StartupTrace
{
    private static bool _enabled = Environment.GetEnvironmentVariable("RIVER_TRACE_STARTUP") == "1";
    private static readonly StringBuilder Line = new();
    private static long _lastTimestamp = Stopwatch.GetTimestamp();
    private static readonly long TraceStart = _lastTimestamp;
    private static long _lastAllocated;
    private static TimeSpan _lastCpu = Environment.CpuUsage.TotalTime;
    private static int _lastGen0;
    private static int _lastGen1;
    private static int _lastGen2;

    public static void Mark(string phase)
    {
        if (!_enabled)
        {
            return;
        }

        lock (Line)
        {
            var now = Stopwatch.GetTimestamp();
            var allocated = GC.GetTotalAllocatedBytes();
            var cpu = Environment.CpuUsage.TotalTime;
            int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
            Line.Append($" {phase}={Stopwatch.GetElapsedTime(_lastTimestamp, now).TotalMilliseconds:F1}ms/cpu{(cpu - _lastCpu).TotalMilliseconds:F1}ms/{(allocated - _lastAllocated) / 1048576.0:F1}MB/gc{g0 - _lastGen0},{g1 - _lastGen1},{g2 - _lastGen2}");
            _lastTimestamp = now;
            _lastCpu = cpu;
            _lastAllocated = allocated;
            (_lastGen0, _lastGen1, _lastGen2) = (g0, g1, g2);
        }
    }

    private static readonly Dictionary<string, long> Sums = new(StringComparer.Ordinal);

    /// <summary>Bytes allocated on this thread so far, when tracing (0 otherwise); see <see cref="Add"/>.</summary>
    public static long Allocated() => _enabled ? GC.GetAllocatedBytesForCurrentThread() : 0;

    /// <summary>Adds the bytes allocated on this thread since <paramref name="since"/> to the sum named <paramref name="name"/>.</summary>
    public static void Add(string name, long since)
    {
        if (!_enabled)
        {
            return;
        }

        var delta = GC.GetAllocatedBytesForCurrentThread() - since;
        lock (Line)
        {
            Sums[name] = Sums.GetValueOrDefault(name) + delta;
        }
    }

    public static void Report(TextWriter output)
    {
        if (!_enabled)
        {
            return;
        }

        Mark("rest");
        foreach (var (name, bytes) in Sums)
        {
            Line.Append($" [{name}={bytes / 1048576.0:F1}MB]");
        }

        var info = GC.GetGCMemoryInfo();
        output.WriteLine($"startup:{Line} pause_total={GC.GetTotalPauseDuration().TotalMilliseconds:F1}ms heap={info.HeapSizeBytes / 1048576.0:F1}MB committed={info.TotalCommittedBytes / 1048576.0:F1}MB process_start_to_now={(DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds:F0}ms clock={TraceStart}..{Stopwatch.GetTimestamp()}");
        Line.Clear();
        _enabled = false; // later reloads are not traced
    }
}
