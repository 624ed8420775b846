using System.Net;
using System.Runtime.CompilerServices;
using System.Text;

namespace River.Components.Beyla;

/// <summary>Which side of the connection the instrumented process was on.</summary>
public enum RequestDirection : byte
{
    /// <summary>The process accepted the connection and answered the request.</summary>
    Server = 0,

    /// <summary>The process connected and sent the request.</summary>
    Client = 1,
}

/// <summary>The first bytes of a request as the kernel captured them (Beyla captures 256).</summary>
[InlineArray(HttpRequestEvent.MaxCapturedBytes)]
public struct CapturedBytes
{
    private byte _first;
}

/// <summary>An IPv4 (mapped) or IPv6 address in network byte order.</summary>
[InlineArray(16)]
public struct Ip6Bytes
{
    private byte _first;
}

/// <summary>A W3C trace id (16 bytes).</summary>
[InlineArray(16)]
public struct TraceIdBytes
{
    private byte _first;
}

/// <summary>A W3C span id (8 bytes).</summary>
[InlineArray(8)]
public struct SpanIdBytes
{
    private byte _first;
}

/// <summary>
/// One HTTP request/response pair, decoded from the kernel's ring-buffer record: what the tracer turns into metrics and
/// a span. A plain value type with the captured request bytes inline, so reading one from the ring buffer allocates
/// nothing; method, path and query are parsed from those bytes on demand.
/// </summary>
public struct HttpRequestEvent
{
    /// <summary>How many request bytes are captured at most.</summary>
    public const int MaxCapturedBytes = 256;

    /// <summary>Host process id.</summary>
    public int Pid;

    /// <summary>Server (accepted) or client (connected) side.</summary>
    public RequestDirection Direction;

    /// <summary>HTTP status code of the response; 0 when none was seen.</summary>
    public ushort Status;

    /// <summary>Monotonic (<c>bpf_ktime_get_ns</c>) time the request started.</summary>
    public ulong StartNs;

    /// <summary>Monotonic time the response was complete (or the request timed out).</summary>
    public ulong EndNs;

    /// <summary>Request body size in bytes (Content-Length, else bytes seen after the headers).</summary>
    public long RequestBodySize;

    /// <summary>Response body size in bytes.</summary>
    public long ResponseBodySize;

    /// <summary>Local address of the instrumented process (IPv4 as ::ffff:a.b.c.d).</summary>
    public Ip6Bytes HostAddress;

    /// <summary>Local port.</summary>
    public ushort HostPort;

    /// <summary>Remote address.</summary>
    public Ip6Bytes PeerAddress;

    /// <summary>Remote port.</summary>
    public ushort PeerPort;

    /// <summary>True when the request carried a <c>traceparent</c> header (or the kernel made one up for a client call).</summary>
    public bool HasTraceParent;

    /// <summary>Trace id from the incoming <c>traceparent</c>.</summary>
    public TraceIdBytes TraceId;

    /// <summary>Parent span id from the incoming <c>traceparent</c>.</summary>
    public SpanIdBytes ParentSpanId;

    /// <summary>Trace flags from the incoming <c>traceparent</c>.</summary>
    public byte TraceFlags;

    /// <summary>How many bytes of <see cref="Request"/> are valid.</summary>
    public int RequestLength;

    /// <summary>The first bytes of the request, starting with the request line.</summary>
    public CapturedBytes Request;

    /// <summary>The captured request bytes.</summary>
    [System.Diagnostics.CodeAnalysis.UnscopedRef]
    public ReadOnlySpan<byte> RequestBytes => ((ReadOnlySpan<byte>)Request)[..Math.Clamp(RequestLength, 0, MaxCapturedBytes)];

    /// <summary>Duration in seconds.</summary>
    public readonly double DurationSeconds => EndNs > StartNs ? (EndNs - StartNs) / 1e9 : 0;

    /// <summary>The local address as an <see cref="IPAddress"/> (IPv4-mapped addresses unwrapped).</summary>
    public readonly IPAddress GetHostAddress() => ToAddress(HostAddress);

    /// <summary>The remote address as an <see cref="IPAddress"/>.</summary>
    public readonly IPAddress GetPeerAddress() => ToAddress(PeerAddress);

    private static IPAddress ToAddress(Ip6Bytes bytes)
    {
        var a = new IPAddress((ReadOnlySpan<byte>)bytes);
        return a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;
    }

    /// <summary>Stores <paramref name="address"/> into <paramref name="destination"/> (IPv4 mapped into IPv6).</summary>
    public static void SetAddress(ref Ip6Bytes destination, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var v6 = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? address.MapToIPv6() : address;
        v6.TryWriteBytes(destination, out _);
    }

    /// <summary>
    /// Builds an event from readable parts (for tests, replay and the glue from other sources); <paramref name="request"/>
    /// is the raw start of the request, e.g. <c>"GET /users/42?x=1 HTTP/1.1\r\nHost: a\r\n\r\n"</c>.
    /// </summary>
    public static HttpRequestEvent Create(
        int pid, RequestDirection direction, string request, ushort status, ulong startNs, ulong endNs,
        IPAddress host, ushort hostPort, IPAddress peer, ushort peerPort, long requestBodySize = 0, long responseBodySize = 0)
    {
        ArgumentNullException.ThrowIfNull(request);
        var e = new HttpRequestEvent
        {
            Pid = pid,
            Direction = direction,
            Status = status,
            StartNs = startNs,
            EndNs = endNs,
            HostPort = hostPort,
            PeerPort = peerPort,
            RequestBodySize = requestBodySize,
            ResponseBodySize = responseBodySize,
        };
        SetAddress(ref e.HostAddress, host);
        SetAddress(ref e.PeerAddress, peer);
        var bytes = Encoding.ASCII.GetBytes(request);
        var n = Math.Min(bytes.Length, MaxCapturedBytes);
        bytes.AsSpan(0, n).CopyTo(e.Request);
        e.RequestLength = n;
        return e;
    }
}
