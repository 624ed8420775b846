using System.Globalization;
using System.Runtime.InteropServices;
using River.Ebpf;

// Usage: EbpfCaptureHost PID[,PID...] [wakeup_bytes]   (RIVER_CAPTURE_OBJECT=path.bpf.o: load that object instead)
//        EbpfCaptureHost --floor PID[,PID...] [raw2|btf1|tp9]
// Prints "ready" once attached; on SIGTERM (or SIGINT when run in the foreground) prints one line of key=value counters and exits.
if (args.Length < 1 || (args[0] == "--floor" && args.Length < 2))
{
    Console.Error.WriteLine("usage: EbpfCaptureHost PID[,PID...] [wakeup_bytes] | EbpfCaptureHost --floor PID[,PID...] [raw2|btf1|tp9]");
    return 2;
}

if (args[0] == "--floor")
{
    return RunFloor(args[1], args.Length > 2 ? args[2] : "raw2");
}
var pids = args[0].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => uint.Parse(p, CultureInfo.InvariantCulture)).ToArray();
var wakeupBytes = args.Length > 1 ? ulong.Parse(args[1], CultureInfo.InvariantCulture) : 0UL;

// RIVER_CAPTURE_OBJECT names another build of bpf/http_capture.bpf.c (e.g. an older commit's) to load instead of
// the embedded one: the way to compare two versions of the program side by side against the same nginx.
var objectPath = Environment.GetEnvironmentVariable("RIVER_CAPTURE_OBJECT");
using var obj = string.IsNullOrEmpty(objectPath)
    ? BpfObject.OpenEmbedded(typeof(Program).Assembly, "River.Bpf.http_capture.bpf.o")
    : BpfObject.OpenMemory(File.ReadAllBytes(objectPath), Path.GetFileName(objectPath));
obj.SetGlobal("wakeup_data_bytes", wakeupBytes);
obj.Load();
var filter = new BpfBitmap(obj.GetMap<uint, ulong>("pid_filter"));
foreach (var pid in pids)
    filter.Add(pid);
var stats = obj.GetMap<uint, ulong>("stats");

long events = 0, bytes = 0, records = 0;
var statuses = new long[600];
// RIVER_CAPTURE_DUMP=path: one line per record (kind, connection, seq, status or the request's first bytes), for
// debugging the pairing of requests and responses.
using var dump = Environment.GetEnvironmentVariable("RIVER_CAPTURE_DUMP") is { Length: > 0 } dumpPath ? new StreamWriter(dumpPath) : null;
using var reader = obj.OpenRingBuffer("events", record =>
{
    records++;
    if (dump is not null)
        DumpRecord(dump, record);
    bytes += record.Length;
    // A response record (kind 2, struct http_response in bpf/http_capture.h) per answered request; status at offset 2.
    if (record[0] != 2)
        return;
    events++;
    var status = MemoryMarshal.Read<ushort>(record[2..]);
    statuses[status < 600 ? status : 0]++;
});
var program = obj.GetProgram("river_sys_exit");
// Kernel-side cost, independent of machine load: with bpf_stats_enabled the kernel accounts run count and
// run time per program (shown in the program fd's fdinfo).
const string statsSwitch = "/proc/sys/kernel/bpf_stats_enabled";
var statsBefore = File.ReadAllText(statsSwitch).Trim();
File.WriteAllText(statsSwitch, "1");
using var link = program.Attach(); // tp_btf/sys_exit

var stop = new ManualResetEventSlim();
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Set(); });
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Set(); });
Console.WriteLine("ready");
Console.Out.Flush();
while (!stop.IsSet)
    reader.Poll(TimeSpan.FromMilliseconds(100));
reader.Consume();
var fdinfo = File.ReadAllLines($"/proc/self/fdinfo/{program.Fd}");
ulong Field(string name) => fdinfo.Where(l => l.StartsWith(name + ":", StringComparison.Ordinal))
    .Select(l => ulong.Parse(l[(name.Length + 1)..].Trim(), CultureInfo.InvariantCulture)).FirstOrDefault();
var runs = Field("run_cnt");
var runNs = Field("run_time_ns");
File.WriteAllText(statsSwitch, statsBefore);

ulong Sum(uint index)
{
    Span<ulong> perCpu = stackalloc ulong[BpfMap<uint, ulong>.PossibleCpus];
    stats.LookupPerCpu(index, perCpu);
    ulong total = 0;
    foreach (var v in perCpu)
        total += v;
    return total;
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"events={events} records={records} {string.Join(' ', statuses.Select((n, s) => (n, s)).Where(x => x.n > 0).Select(x => $"status{x.s}={x.n}"))} bytes={bytes} submitted={Sum(0)} lost_ringbuf_full={Sum(1)} lost_continuations={Sum(2)} orphan_responses={Sum(3)} pipeline_overflow={Sum(5)} prog_runs={runs} prog_run_ns={runNs} ns_per_run={(runs == 0 ? 0 : runNs / runs)} prog_ns_per_event={(events == 0 ? 0 : runNs / (ulong)events)}"));
return 0;

// The floor: programs that test the PID bitmap and return, attached until SIGTERM.
// Variants (bench/scripts/ebpf-hook-floors.sh): raw2 (the default), btf1 (tp_btf/sys_exit alone), tp9 (nine
// per-syscall exit tracepoints).
static int RunFloor(string pidList, string variant)
{
    using var floor = BpfObject.OpenEmbedded(typeof(Program).Assembly, "River.Bpf.floor.bpf.o");
    floor.Load();
    var bitmap = new BpfBitmap(floor.GetMap<uint, ulong>("pid_filter"));
    foreach (var pid in pidList.Split(',', StringSplitOptions.RemoveEmptyEntries))
    {
        bitmap.Add(uint.Parse(pid, CultureInfo.InvariantCulture));
    }

    var links = new List<BpfLink>();
    switch (variant)
    {
        case "raw2":
            links.Add(floor.GetProgram("floor_sys_enter").AttachRawTracepoint("sys_enter"));
            links.Add(floor.GetProgram("floor_sys_exit").AttachRawTracepoint("sys_exit"));
            break;
        case "btf1":
            links.Add(floor.GetProgram("floor_btf_exit").Attach());
            break;
        case "tp9":
            foreach (var name in new[] { "read", "write", "readv", "writev", "sendto", "recvfrom", "sendmsg", "recvmsg", "close" })
                links.Add(floor.GetProgram("floor_tp_" + name).AttachTracepoint("syscalls", "sys_exit_" + name));
            break;
        default:
            Console.Error.WriteLine($"unknown floor variant {variant}");
            return 2;
    }
    using var done = new ManualResetEventSlim();
    using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; done.Set(); });
    using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; done.Set(); });
    Console.WriteLine("ready");
    Console.Out.Flush();
    done.Wait();
    foreach (var link in links)
        link.Dispose();
    Console.WriteLine("floor detached");
    return 0;
}

static void DumpRecord(StreamWriter dump, ReadOnlySpan<byte> record)
{
    switch (record[0])
    {
        case 1: // struct http_event: tid at 8, conn_id at 16, req_len at 40, buf_len at 50, seq at 88, buf at 96
            var len = Math.Min((int)MemoryMarshal.Read<ushort>(record[50..]), Math.Min(40, record.Length - 96));
            var text = System.Text.Encoding.ASCII.GetString(record.Slice(96, len)).Replace("\r", "", StringComparison.Ordinal).Replace("\n", "|", StringComparison.Ordinal);
            dump.WriteLine(FormattableString.Invariant($"REQ conn={MemoryMarshal.Read<ulong>(record[16..])} seq={MemoryMarshal.Read<uint>(record[88..])} tid={MemoryMarshal.Read<uint>(record[8..])} len={MemoryMarshal.Read<uint>(record[40..])} {text}"));
            break;
        case 2: // struct http_response: status at 2, seq at 4, conn_id at 8
            dump.WriteLine(FormattableString.Invariant($"RSP conn={MemoryMarshal.Read<ulong>(record[8..])} seq={MemoryMarshal.Read<uint>(record[4..])} status={MemoryMarshal.Read<ushort>(record[2..])} len={MemoryMarshal.Read<uint>(record[24..])}"));
            break;
        default:
            dump.WriteLine(FormattableString.Invariant($"APP conn={MemoryMarshal.Read<ulong>(record[16..])} seq={MemoryMarshal.Read<uint>(record[8..])} len={MemoryMarshal.Read<uint>(record[12..])}"));
            break;
    }
}
