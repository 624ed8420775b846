using System.Diagnostics;
using System.Reflection;

namespace River.Ebpf.Tests.Support;

/// <summary>The HTTP capture object loaded, attached to the raw tracepoint sys_exit, with its ring buffer read into a list.</summary>
internal sealed class HttpCapture : IDisposable
{
    public const string Resource = "River.Bpf.http_capture.bpf.o";

    private readonly List<HttpEvent> _events = [];

    private HttpCapture(BpfObject obj)
    {
        Object = obj;
        PidFilter = new BpfBitmap(obj.GetMap<uint, ulong>("pid_filter"));
        Inflight = obj.GetMap<InflightKey, InflightValue>("inflight");
        Stats = obj.GetMap<uint, ulong>("stats");
        Exit = obj.GetProgram("river_sys_exit").Attach();
        Reader = obj.OpenRingBuffer("events", record => _events.Add(HttpEvent.Decode(record)));
    }

    public BpfObject Object { get; }
    public BpfBitmap PidFilter { get; }
    public BpfMap<InflightKey, InflightValue> Inflight { get; }
    public BpfMap<uint, ulong> Stats { get; }
    public BpfLink Exit { get; }
    public RingBufferReader Reader { get; }
    public IReadOnlyList<HttpEvent> Events => _events;

    public static BpfObject Open() => BpfObject.OpenEmbedded(typeof(HttpCapture).Assembly, Resource);

    public static HttpCapture Start(Action<BpfObject>? adjust = null)
    {
        var obj = Open();
        try
        {
            adjust?.Invoke(obj);
            obj.Load();
            return new HttpCapture(obj);
        }
        catch
        {
            obj.Dispose();
            throw;
        }
    }

    public void Trace(int pid) => PidFilter.Add((uint)pid);

    /// <summary>Polls until at least <paramref name="count"/> events arrived (or the timeout), then a little
    /// longer so that surplus events would be seen by an exact-count assertion.</summary>
    public IReadOnlyList<HttpEvent> WaitFor(int count, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        while (_events.Count < count && deadline.Elapsed < limit)
            Reader.Poll(TimeSpan.FromMilliseconds(50));
        var settle = Stopwatch.StartNew();
        while (settle.Elapsed < TimeSpan.FromMilliseconds(300))
            Reader.Poll(TimeSpan.FromMilliseconds(50));
        return _events.ToList();
    }

    public ulong Stat(uint index)
    {
        Span<ulong> perCpu = stackalloc ulong[BpfMap<uint, ulong>.PossibleCpus];
        Stats.LookupPerCpu(index, perCpu);
        ulong sum = 0;
        foreach (var v in perCpu)
            sum += v;
        return sum;
    }

    public void Dispose()
    {
        Reader.Dispose();
        Object.Dispose();
    }
}

/// <summary>Mirror of <c>struct inflight_key</c>.</summary>
internal readonly record struct InflightKey(ulong ConnectionId, uint Seq, uint Pad);

/// <summary>Mirror of <c>struct inflight_req</c>: the event under construction plus the append slack.</summary>
internal unsafe struct InflightValue
{
    public HttpEventNative Event;
    public fixed byte Slack[256];
}
