using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace River.Components.Beyla.Ebpf.Native;

/// <summary>
/// Byte-for-byte mirror of <c>struct http_event</c> in bpf/http_capture.h: the ring-buffer record of a request
/// (<see cref="KindRequest"/>), sent when the request is read (server) or written (client); user space completes it
/// with its <see cref="HttpResponseNative"/> (see <see cref="PendingRequests"/>). Field order and sizes are a wire
/// format; the <see cref="Size"/> check in <see cref="HttpCaptureProgram.Start"/> guards it.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct HttpEventNative
{
    /// <summary>Size of the C struct.</summary>
    public const int Size = 352;

    /// <summary>
    /// Captured bytes of a small request record (<c>HTTP_SMALL_BUF</c>): a request of at most this many bytes comes
    /// as the first <see cref="SmallSize"/> bytes of the struct, its fields and the start of <see cref="Buffer"/>.
    /// </summary>
    public const int SmallBuffer = 64;

    /// <summary>Size of a small request record (<c>HTTP_SMALL_EVENT_SIZE</c>).</summary>
    public const int SmallSize = Size - 256 + SmallBuffer;

    /// <summary>Record kind of a request (<c>RECORD_REQUEST</c>).</summary>
    public const byte KindRequest = 1;
    /// <summary>Record kind of a response (<c>RECORD_RESPONSE</c>, <see cref="HttpResponseNative"/>).</summary>
    public const byte KindResponse = 2;
    /// <summary>Record kind of a continuation (<c>RECORD_APPEND</c>, <see cref="HttpAppendNative"/>).</summary>
    public const byte KindAppend = 3;

    /// <summary>
    /// Ring-buffer bytes one answered request takes: its record, its response record and their 8-byte headers
    /// (the unit of the wake-up length; a request sent as a small record takes less, so up to about twice as many
    /// of those make one wake-up).
    /// </summary>
    public const int BytesPerRequest = Size + 8 + HttpResponseNative.Size + 8;

    /// <summary>Record kind: <see cref="KindRequest"/>.</summary>
    public byte Kind;
    /// <summary>1 server (the process read the request), 2 client (it wrote the request).</summary>
    public byte Direction;
    /// <summary>Bit 0 (<see cref="FlagSplit"/>): request gathered from several syscalls; bit 1: pipelined behind another request.</summary>
    public byte Flags;
    /// <summary>AF_INET (2) or AF_INET6 (10).</summary>
    public byte Family;
    /// <summary>Process id in the host pid namespace.</summary>
    public uint Tgid;
    /// <summary>Thread that read (server) or wrote (client) the request.</summary>
    public uint Tid;
    /// <summary>File descriptor of the connection.</summary>
    public int Fd;
    /// <summary>Unique id of the connection while traced.</summary>
    public ulong ConnectionId;
    /// <summary>CLOCK_MONOTONIC ns: server read of the request, or client write of it.</summary>
    public ulong StartNs;
    /// <summary>CLOCK_MONOTONIC ns of the first response byte; 0 while in flight.</summary>
    public ulong EndNs;
    /// <summary>Request bytes seen (headers and any body read or written before the response).</summary>
    public uint RequestLength;
    /// <summary>Bytes of the syscall that carried the status line (headers, and the body when written together).</summary>
    public uint ResponseLength;
    /// <summary>HTTP status, 0 when unknown or in flight.</summary>
    public ushort Status;
    /// <summary>Valid bytes of <see cref="Buffer"/>.</summary>
    public ushort BufferLength;
    /// <summary>Local port (host order).</summary>
    public ushort LocalPort;
    /// <summary>Remote port (host order).</summary>
    public ushort RemotePort;
    /// <summary>Local address, IPv4 mapped as ::ffff:a.b.c.d.</summary>
    public Address16 LocalAddress;
    /// <summary>Remote address, IPv4 mapped as ::ffff:a.b.c.d.</summary>
    public Address16 RemoteAddress;
    /// <summary>Request number on the connection (0, 1, 2 … in pipelining order).</summary>
    public uint Seq;
    /// <summary>Zero.</summary>
    public uint Reserved;
    /// <summary>The first request bytes: request line and headers.</summary>
    public RequestBytes256 Buffer;

    /// <summary>Direction value of a server-side record.</summary>
    public const byte DirectionServer = 1;
    /// <summary>Direction value of a client-side record.</summary>
    public const byte DirectionClient = 2;
    /// <summary>Flag of a request whose bytes came from more than one syscall.</summary>
    public const byte FlagSplit = 1;

    /// <summary>
    /// Adds a continuation: its length to <see cref="RequestLength"/>, and its captured bytes at their offset of
    /// <see cref="Buffer"/> (bounded by the buffer, whatever the record claims).
    /// </summary>
    public void Append(in HttpAppendNative append, ReadOnlySpan<byte> data)
    {
        RequestLength += append.Length;
        Flags |= FlagSplit;
        int offset = append.DataOffset;
        if (offset != BufferLength || offset >= HttpRequestEvent.MaxCapturedBytes)
        {
            return;
        }

        var n = Math.Min(Math.Min((int)append.DataLength, data.Length), HttpRequestEvent.MaxCapturedBytes - offset);
        data[..n].CopyTo(((Span<byte>)Buffer)[offset..]);
        BufferLength = (ushort)(offset + n);
    }

    /// <summary>Bytes before <see cref="Buffer"/>: every field but the captured bytes.</summary>
    public const int FieldsSize = Size - 256;

    /// <summary>
    /// Copies the fields and the captured bytes (the first <see cref="BufferLength"/> of <see cref="Buffer"/>) into
    /// <paramref name="destination"/>, whose bytes past them keep their old content (nothing reads a buffer past its
    /// length). Reading a record from the ring is where the reader waits on memory the kernel wrote on another core:
    /// a 40-byte request thus reads three 64-byte lines of the record instead of six.
    /// </summary>
    public readonly void CopyUsedTo(ref HttpEventNative destination)
    {
        var n = FieldsSize + Math.Min((int)BufferLength, 256);
        Unsafe.CopyBlockUnaligned(ref Unsafe.As<HttpEventNative, byte>(ref destination),
            ref Unsafe.As<HttpEventNative, byte>(ref Unsafe.AsRef(in this)), (uint)n);
    }

    /// <summary>
    /// Copies a small request record (<see cref="SmallSize"/> bytes: the fields and at most <see cref="SmallBuffer"/>
    /// captured bytes) into <paramref name="destination"/>, a full-size record the reader reuses; its bytes past the
    /// captured ones keep their old content, and a length claiming more than the record holds is cut to it.
    /// </summary>
    /// <exception cref="ArgumentException">The record is not a small record.</exception>
    public static void CopySmall(ReadOnlySpan<byte> record, ref HttpEventNative destination)
    {
        if (record.Length != SmallSize)
            throw new ArgumentException($"record of {record.Length} bytes is not a small http_event ({SmallSize})", nameof(record));
        record.CopyTo(MemoryMarshal.AsBytes(new Span<HttpEventNative>(ref destination)));
        if (destination.BufferLength > SmallBuffer)
            destination.BufferLength = SmallBuffer;
    }

    /// <summary>Reinterprets a ring-buffer record (no copy of the bytes beyond the struct read).</summary>
    /// <exception cref="ArgumentException">The record is shorter than the struct.</exception>
    public static HttpEventNative Read(ReadOnlySpan<byte> record)
    {
        if (record.Length < Size)
            throw new ArgumentException($"record of {record.Length} bytes is shorter than http_event ({Size})", nameof(record));
        return MemoryMarshal.Read<HttpEventNative>(record);
    }

    /// <summary>
    /// Converts to the tracer's event. Request body size is the request bytes after the empty line when the
    /// captured headers contain it; response body size is not known to the kernel side (see docs/ebpf.md), so
    /// the byte count of the status-line write is passed as is.
    /// </summary>
    public readonly HttpRequestEvent ToRequestEvent()
    {
        var e = default(HttpRequestEvent);
        CopyTo(ref e);
        return e;
    }

    /// <summary>
    /// Writes this request as the tracer's event into <paramref name="e"/>, every field of it (the captured bytes up
    /// to <see cref="BufferLength"/> only: the event's <see cref="HttpRequestEvent.RequestLength"/> bounds what is
    /// read of them), so a reused event needs no clearing. See <see cref="ToRequestEvent"/>.
    /// </summary>
    public readonly void CopyTo(ref HttpRequestEvent e)
    {
        e.Pid = (int)Tgid;
        e.Direction = Direction == DirectionClient ? RequestDirection.Client : RequestDirection.Server;
        e.Status = Status;
        e.StartNs = StartNs;
        e.EndNs = EndNs;
        e.HostPort = LocalPort;
        e.PeerPort = RemotePort;
        e.ResponseBodySize = ResponseLength;
        e.HasTraceParent = false;
        e.TraceId = default;
        e.ParentSpanId = default;
        e.TraceFlags = 0;
        ((ReadOnlySpan<byte>)LocalAddress).CopyTo(e.HostAddress);
        ((ReadOnlySpan<byte>)RemoteAddress).CopyTo(e.PeerAddress);
        var n = Math.Min((int)BufferLength, HttpRequestEvent.MaxCapturedBytes);
        var captured = ((ReadOnlySpan<byte>)Buffer)[..n];
        captured.CopyTo(e.Request);
        e.RequestLength = n;
        var headerEnd = captured.IndexOf("\r\n\r\n"u8);
        e.RequestBodySize = headerEnd >= 0 ? Math.Max(0, (long)RequestLength - (headerEnd + 4)) : 0;
    }
}

/// <summary>
/// Mirror of <c>struct http_response</c>: the response to request <see cref="Seq"/> of connection
/// <see cref="ConnectionId"/> (record kind <see cref="HttpEventNative.KindResponse"/>).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct HttpResponseNative
{
    /// <summary>Size of the C struct.</summary>
    public const int Size = 32;

    /// <summary><see cref="HttpEventNative.KindResponse"/>.</summary>
    public byte Kind;
    /// <summary>Zero.</summary>
    public byte Pad;
    /// <summary>HTTP status, 0 when the status line was malformed.</summary>
    public ushort Status;
    /// <summary>Number of the answered request on its connection.</summary>
    public uint Seq;
    /// <summary>Connection id.</summary>
    public ulong ConnectionId;
    /// <summary>CLOCK_MONOTONIC ns of the first response byte.</summary>
    public ulong EndNs;
    /// <summary>Bytes of the syscall that carried the status line.</summary>
    public uint ResponseLength;
    /// <summary>Zero.</summary>
    public uint Pad2;
}

/// <summary>
/// Mirror of <c>struct http_append</c>: more bytes of request <see cref="Seq"/> (record kind
/// <see cref="HttpEventNative.KindAppend"/>); <see cref="DataLength"/> captured bytes follow the 24-byte header.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct HttpAppendNative
{
    /// <summary>Size of the C struct (the header).</summary>
    public const int Size = 24;

    /// <summary><see cref="HttpEventNative.KindAppend"/>.</summary>
    public byte Kind;
    /// <summary>Zero.</summary>
    public byte Pad;
    /// <summary>Offset in the request's buffer where the captured bytes go.</summary>
    public ushort DataOffset;
    /// <summary>Captured bytes behind the header.</summary>
    public ushort DataLength;
    /// <summary>Zero.</summary>
    public ushort Pad2;
    /// <summary>Number of the request on its connection.</summary>
    public uint Seq;
    /// <summary>Bytes the syscall added to the request.</summary>
    public uint Length;
    /// <summary>Connection id.</summary>
    public ulong ConnectionId;
}

/// <summary>16 address bytes.</summary>
[InlineArray(16)]
public struct Address16
{
    private byte _first;
}

/// <summary>The 256 captured request bytes.</summary>
[InlineArray(256)]
public struct RequestBytes256
{
    private byte _first;
}
