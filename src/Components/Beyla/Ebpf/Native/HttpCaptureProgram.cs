using River.Ebpf;

namespace River.Components.Beyla.Ebpf.Native;

/// <summary>Sizing and batching of the HTTP capture program (from the <c>ebpf</c> block).</summary>
/// <param name="WakeupLength">
/// Requests to accumulate before waking the reader (<c>wakeup_len</c>), counted in ring-buffer bytes as
/// <see cref="HttpEventNative.BytesPerRequest"/> each; 0 wakes per record.
/// </param>
/// <param name="RingBufferBytes">
/// Ring buffer size: a power of two, a multiple of the page size. 16 MiB (about 42 000 request/response record
/// pairs) holds more than a second of nginx at full speed on two cores, so a reader thread descheduled on a loaded
/// machine loses nothing; 1 MiB lost 8 % of the records of a 3 s wrk run here under load.
/// </param>
/// <param name="MaxInflightRequests">
/// Requests awaiting a response that user space holds at once (<see cref="PendingRequests"/>); further ones are
/// counted as not tracked until older ones are answered or expire.
/// </param>
/// <param name="MaxConnections">Connections (and non-socket fds) of traced processes remembered at once (LRU).</param>
public sealed record HttpCaptureOptions(
    uint WakeupLength = 0,
    uint RingBufferBytes = 1 << 24,
    uint MaxInflightRequests = 8192,
    uint MaxConnections = 16384);

/// <summary>Totals of the capture program's per-CPU counters.</summary>
/// <param name="Events">Records submitted to the ring buffer (requests, responses and continuations).</param>
/// <param name="LostRingBufferFull">
/// Requests lost because the ring buffer had no room, each counted once: its request record was not sent (the
/// last eighth of the ring is kept for the responses of requests already sent, and a lost request's response is not
/// sent), or, rarely, its response record was not.
/// </param>
/// <param name="LostContinuations">Continuation records lost (their request is reported with fewer bytes).</param>
/// <param name="OrphanResponses">Responses on a connection with no request waiting (its request was unseen).</param>
/// <param name="WalkFailures">fd → socket walks that could not read kernel memory.</param>
/// <param name="PipelineOverflow">Pipelined requests beyond 8 in one read.</param>
public sealed record HttpCaptureStats(ulong Events, ulong LostRingBufferFull, ulong LostContinuations,
    ulong OrphanResponses, ulong WalkFailures, ulong PipelineOverflow);

/// <summary>
/// The HTTP/1.x capture program (bpf/http_capture.bpf.c) embedded in this assembly: loaded, attached to the raw
/// tracepoint <c>sys_exit</c>, with its PID filter, ring buffer and counters. Its records are requests, responses
/// and continuations, paired by the reader (<see cref="PendingRequests"/>). Disposing it detaches the program and
/// frees every map.
/// </summary>
public sealed class HttpCaptureProgram : IDisposable
{
    /// <summary>Manifest resource name of the compiled object.</summary>
    public const string ResourceName = "River.Bpf.http_capture.bpf.o";

    private readonly BpfObject _object;
    private readonly BpfBitmap _pidFilter;
    private readonly BpfMap<uint, ulong> _stats;
    private readonly BpfLink _link;

    private HttpCaptureProgram(BpfObject obj)
    {
        _object = obj;
        _pidFilter = new BpfBitmap(obj.GetMap<uint, ulong>("pid_filter"));
        _stats = obj.GetMap<uint, ulong>("stats");
        _link = obj.GetProgram("river_sys_exit").Attach();
    }

    /// <summary>True when the build embedded the object (clang, bpftool and BTF were present).</summary>
    public static bool IsEmbedded => typeof(HttpCaptureProgram).Assembly.GetManifestResourceInfo(ResourceName) is not null;

    /// <summary>Opens, sizes, loads and attaches the program.</summary>
    /// <exception cref="BpfException">eBPF is unsupported, the object is missing, or the kernel refused it
    /// (a <see cref="BpfLoadException"/> then carries the verifier log).</exception>
    public static unsafe HttpCaptureProgram Start(HttpCaptureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (sizeof(HttpEventNative) != HttpEventNative.Size)
            throw new InvalidOperationException($"HttpEventNative is {sizeof(HttpEventNative)} bytes, expected {HttpEventNative.Size}");
        var obj = BpfObject.OpenEmbedded(typeof(HttpCaptureProgram).Assembly, ResourceName);
        try
        {
            obj.SetGlobal("wakeup_data_bytes", (ulong)options.WakeupLength * HttpEventNative.BytesPerRequest);
            obj.SetMaxEntries("events", options.RingBufferBytes);
            obj.SetMaxEntries("conns", options.MaxConnections);
            // The PID filter is a bitmap: one bit per possible PID of this machine.
            obj.SetMaxEntries("pid_filter", BpfBitmap.WordsFor(ReadPidMax()));
            obj.Load();
            return new HttpCaptureProgram(obj);
        }
        catch
        {
            obj.Dispose();
            throw;
        }
    }

    /// <summary>Starts tracing a process (host PID).</summary>
    public void TracePid(int pid) => _pidFilter.Add((uint)pid);

    /// <summary>Stops tracing a process; false when it was not traced.</summary>
    public bool UntracePid(int pid) => _pidFilter.Remove((uint)pid);

    /// <summary>True when the process is traced.</summary>
    public bool IsTraced(int pid) => _pidFilter.Contains((uint)pid);

    private static ulong ReadPidMax()
    {
        // Linux's default limit (and the bitmap's compiled size) when /proc cannot tell.
        const ulong fallback = 4_194_304;
        try
        {
            return ulong.TryParse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim(), out var max) && max > 0 ? max : fallback;
        }
        catch (IOException)
        {
            return fallback;
        }
    }

    /// <summary>
    /// Opens a reader of the event ring buffer. Each record starts with its kind: a request
    /// (<see cref="HttpEventNative"/>), a response (<see cref="HttpResponseNative"/>) or a continuation
    /// (<see cref="HttpAppendNative"/> and its bytes).
    /// </summary>
    public RingBufferReader OpenReader(RingBufferHandler handler) => _object.OpenRingBuffer("events", handler);

    /// <summary>Sums the per-CPU counters.</summary>
    public HttpCaptureStats ReadStats()
    {
        Span<ulong> perCpu = stackalloc ulong[BpfMap<uint, ulong>.PossibleCpus];
        ulong Sum(uint index, Span<ulong> buffer)
        {
            _stats.LookupPerCpu(index, buffer);
            ulong total = 0;
            foreach (var v in buffer)
                total += v;
            return total;
        }
        return new HttpCaptureStats(Sum(0, perCpu), Sum(1, perCpu), Sum(2, perCpu), Sum(3, perCpu), Sum(4, perCpu), Sum(5, perCpu));
    }

    /// <summary>Detaches the program and frees its maps.</summary>
    public void Dispose()
    {
        _link.Dispose();
        _object.Dispose();
    }
}
