using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Reflection;

namespace River.Ebpf.Tests.Support;

/// <summary>
/// The HTTP capture object loaded, attached to the raw tracepoint sys_exit, with its ring buffer read into a list: request
/// records wait in <see cref="Pending"/> until their response record (same connection id and number) completes them.
/// </summary>
internal sealed class HttpCapture : IDisposable
{
    public const string Resource = "River.Bpf.http_capture.bpf.o";

    private readonly List<HttpEvent> _events = [];
    private readonly Dictionary<(ulong Connection, uint Seq), HttpEventNative> _pending = [];

    private HttpCapture(BpfObject obj)
    {
        Object = obj;
        PidFilter = new BpfBitmap(obj.GetMap<uint, ulong>("pid_filter"));
        Stats = obj.GetMap<uint, ulong>("stats");
        Exit = obj.GetProgram("river_sys_exit").Attach();
        Reader = obj.OpenRingBuffer("events", OnRecord);
    }

    public BpfObject Object { get; }
    public BpfBitmap PidFilter { get; }
    public BpfMap<uint, ulong> Stats { get; }
    public BpfLink Exit { get; }
    public RingBufferReader Reader { get; }
    public IReadOnlyList<HttpEvent> Events => _events;

    /// <summary>Request records still waiting for their response record.</summary>
    public IReadOnlyList<HttpEvent> Pending => _pending.Values.Select(HttpEvent.From).ToList();

    /// <summary>Response records that found no request waiting.</summary>
    public int UnpairedResponses { get; private set; }

    /// <summary>Every record by kind (1 request, 2 response, 3 continuation).</summary>
    public int[] RecordsByKind { get; } = new int[4];

    private void OnRecord(ReadOnlySpan<byte> record)
    {
        var kind = record[0];
        RecordsByKind[kind < 4 ? kind : 0]++;
        switch (kind)
        {
            case HttpEventNative.KindRequest:
                var request = HttpEventNative.Read(record);
                Assert.True(_pending.TryAdd((request.ConnId, request.Seq), request), "a request number was sent twice");
                break;
            case HttpEventNative.KindResponse:
                var response = MemoryMarshal.Read<HttpResponseNative>(record);
                if (!_pending.Remove((response.ConnId, response.Seq), out var answered))
                {
                    UnpairedResponses++;
                    break;
                }

                answered.EndNs = response.EndNs;
                answered.Status = response.Status;
                answered.ResponseLength = response.ResponseLength;
                _events.Add(HttpEvent.From(answered));
                break;
            case HttpEventNative.KindAppend:
                var append = MemoryMarshal.Read<HttpAppendNative>(record);
                if (_pending.TryGetValue((append.ConnId, append.Seq), out var split))
                {
                    split.Append(append, record[HttpAppendNative.Size..]);
                    _pending[(append.ConnId, append.Seq)] = split;
                }

                break;
            default:
                throw new InvalidDataException($"record of unknown kind {kind}");
        }
    }

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
