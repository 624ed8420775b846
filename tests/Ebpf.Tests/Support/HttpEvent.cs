using System.Net;
using System.Runtime.InteropServices;
using System.Text;

namespace River.Ebpf.Tests.Support;

/// <summary>Byte-for-byte mirror of <c>struct http_event</c> in bpf/http_capture.h (352 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct HttpEventNative
{
    public byte Kind;
    public byte Direction;
    public byte Flags;
    public byte Family;
    public uint Tgid;
    public uint Tid;
    public int Fd;
    public ulong ConnId;
    public ulong StartNs;
    public ulong EndNs;
    public uint RequestLength;
    public uint ResponseLength;
    public ushort Status;
    public ushort BufferLength;
    public ushort LocalPort;
    public ushort RemotePort;
    public fixed byte LocalAddress[16];
    public fixed byte RemoteAddress[16];
    public uint Seq;
    public uint Reserved;
    public fixed byte Buffer[256];
}

/// <summary>A decoded capture event, for assertions.</summary>
internal sealed record HttpEvent(
    int Direction, int Flags, int Pid, int Fd, ulong ConnectionId, ulong StartNs, ulong EndNs, int Status,
    string Method, string Path, string RequestText, uint RequestLength, uint ResponseLength,
    IPEndPoint Local, IPEndPoint Remote, uint Seq)
{
    public const int Server = 1;
    public const int Client = 2;
    public const int FlagSplit = 1;
    public const int FlagPipelined = 2;

    public static unsafe HttpEvent Decode(ReadOnlySpan<byte> record)
    {
        if (record.Length < sizeof(HttpEventNative))
            throw new InvalidDataException($"record of {record.Length} bytes is shorter than http_event");
        var e = MemoryMarshal.Read<HttpEventNative>(record);
        var text = Encoding.ASCII.GetString(new ReadOnlySpan<byte>(e.Buffer, Math.Min((int)e.BufferLength, 256)));
        var firstSpace = text.IndexOf(' ', StringComparison.Ordinal);
        var method = firstSpace > 0 ? text[..firstSpace] : text;
        var rest = firstSpace > 0 ? text[(firstSpace + 1)..] : string.Empty;
        var pathEnd = rest.IndexOfAny([' ', '\r', '\n']);
        var path = pathEnd >= 0 ? rest[..pathEnd] : rest;
        return new HttpEvent(e.Direction, e.Flags, (int)e.Tgid, e.Fd, e.ConnId, e.StartNs, e.EndNs, e.Status,
            method, path, text, e.RequestLength, e.ResponseLength,
            new IPEndPoint(Address(e.LocalAddress), e.LocalPort), new IPEndPoint(Address(e.RemoteAddress), e.RemotePort), e.Seq);
    }

    private static unsafe IPAddress Address(byte* bytes)
    {
        var address = new IPAddress(new ReadOnlySpan<byte>(bytes, 16));
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }
}
