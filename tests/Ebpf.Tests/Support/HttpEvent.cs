using System.Net;
using System.Runtime.InteropServices;
using System.Text;

namespace River.Ebpf.Tests.Support;

/// <summary>Byte-for-byte mirror of <c>struct http_event</c> in bpf/http_capture.h (352 bytes): a request record.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct HttpEventNative
{
    public const byte KindRequest = 1;
    public const byte KindResponse = 2;
    public const byte KindAppend = 3;

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

    public static HttpEventNative Read(ReadOnlySpan<byte> record)
    {
        // A request of at most 64 bytes comes as a small record: the fields and 64 captured bytes.
        const int smallSize = 352 - 256 + 64;
        if (record.Length == smallSize)
        {
            Span<byte> full = stackalloc byte[sizeof(HttpEventNative)];
            full.Clear();
            record.CopyTo(full);
            return MemoryMarshal.Read<HttpEventNative>(full);
        }

        if (record.Length < sizeof(HttpEventNative))
            throw new InvalidDataException($"record of {record.Length} bytes is shorter than http_event");
        return MemoryMarshal.Read<HttpEventNative>(record);
    }

    /// <summary>Adds a continuation record's length and bytes.</summary>
    public void Append(HttpAppendNative append, ReadOnlySpan<byte> data)
    {
        RequestLength += append.Length;
        Flags |= HttpEvent.FlagSplit;
        if (append.DataOffset != BufferLength)
            return;
        var n = Math.Min(Math.Min(append.DataLength, data.Length), 256 - append.DataOffset);
        fixed (byte* buffer = Buffer)
            data[..n].CopyTo(new Span<byte>(buffer + append.DataOffset, n));
        BufferLength = (ushort)(append.DataOffset + n);
    }
}

/// <summary>Mirror of <c>struct http_response</c> (32 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct HttpResponseNative
{
    public byte Kind;
    public byte Pad;
    public ushort Status;
    public uint Seq;
    public ulong ConnId;
    public ulong EndNs;
    public uint ResponseLength;
    public uint Pad2;
}

/// <summary>Mirror of <c>struct http_append</c> (24 bytes; its captured bytes follow).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct HttpAppendNative
{
    public const int Size = 24;

    public byte Kind;
    public byte Pad;
    public ushort DataOffset;
    public ushort DataLength;
    public ushort Pad2;
    public uint Seq;
    public uint Length;
    public ulong ConnId;
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

    public static unsafe HttpEvent From(HttpEventNative e)
    {
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
