using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace River.Components.Beyla.Discovery;

/// <summary>
/// The listening TCP sockets of River's own network namespace, asked of the kernel over netlink (<c>NETLINK_SOCK_DIAG</c>,
/// the interface <c>ss</c> uses) with a filter for the listen state, so the kernel walks only its table of listening
/// sockets. Reading <c>/proc/net/tcp</c> instead formats a line for every socket and walks the whole
/// established-connection table (for each 4 KiB read): under load that was 5 % of River's CPU, and it grows with the
/// host's connections.
/// </summary>
internal static partial class SockDiag
{
    private const int AfNetlink = 16;
    private const byte AfInet = 2;
    private const byte AfInet6 = 10;
    private const int SockRaw = 3;
    private const int SockCloexec = 0x80000;
    private const int NetlinkSockDiag = 4;
    private const byte IpProtoTcp = 6;
    private const ushort SockDiagByFamily = 20;
    private const ushort NlmFRequest = 0x1;
    private const ushort NlmFDump = 0x300;
    private const ushort NlmsgError = 2;
    private const ushort NlmsgDone = 3;
    private const int TcpListen = 10;

    // nlmsghdr (16 bytes) + inet_diag_req_v2 (4 bytes, the states mask, inet_diag_sockid of 48 bytes).
    private const int RequestLength = 16 + 8 + 48;

    // In an answer, after its 16-byte nlmsghdr: inet_diag_msg's source port (big-endian) and inode.
    private const int PortOffset = 16 + 4;
    private const int InodeOffset = 16 + 4 + 48 + 16;
    private const int MessageMinimum = InodeOffset + 4;

    /// <summary>
    /// Adds every listening TCP socket (IPv4 and IPv6) of this process's network namespace to
    /// <paramref name="listeners"/> (inode → local port); false when netlink cannot be used, and then nothing was
    /// added that the caller should trust (it reads <c>/proc/net/tcp</c> instead).
    /// </summary>
    public static bool TryReadListeners(Dictionary<long, int> listeners)
    {
        ArgumentNullException.ThrowIfNull(listeners);
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        int fd;
        try
        {
            fd = socket(AfNetlink, SockRaw | SockCloexec, NetlinkSockDiag);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }

        if (fd < 0)
        {
            return false;
        }

        try
        {
            var found = new Dictionary<long, int>();
            // Larger than any batch the kernel sends a dump in (at most 32 KiB), so no answer is ever cut short; one
            // that were would fail Dump's length check and discovery would read /proc instead. One buffer serves both.
            var buffer = new byte[64 * 1024];
            if (!Dump(fd, AfInet, 1, buffer, found) || !Dump(fd, AfInet6, 2, buffer, found))
            {
                return false;
            }

            foreach (var (inode, port) in found)
            {
                listeners[inode] = port;
            }

            return true;
        }
        finally
        {
            _ = close(fd);
        }
    }

    // One dump request for a family and its answers up to NLMSG_DONE.
    private static unsafe bool Dump(int fd, byte family, uint sequence, byte[] buffer, Dictionary<long, int> found)
    {
        Span<byte> request = stackalloc byte[RequestLength];
        request.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(request, RequestLength);
        BinaryPrimitives.WriteUInt16LittleEndian(request[4..], SockDiagByFamily);
        BinaryPrimitives.WriteUInt16LittleEndian(request[6..], NlmFRequest | NlmFDump);
        BinaryPrimitives.WriteUInt32LittleEndian(request[8..], sequence);
        request[16] = family;
        request[17] = IpProtoTcp;
        BinaryPrimitives.WriteUInt32LittleEndian(request[20..], 1u << TcpListen);
        fixed (byte* p = request)
        {
            if (send(fd, p, RequestLength, 0) != RequestLength)
            {
                return false;
            }
        }

        while (true)
        {
            nint read;
            fixed (byte* p = buffer)
            {
                read = recv(fd, p, buffer.Length, 0);
            }

            if (read <= 0)
            {
                return false;
            }

            var answers = buffer.AsSpan(0, (int)read);
            while (answers.Length >= 16)
            {
                var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(answers);
                if (length < 16 || length > answers.Length)
                {
                    return false;
                }

                var type = BinaryPrimitives.ReadUInt16LittleEndian(answers[4..]);
                if (BinaryPrimitives.ReadUInt32LittleEndian(answers[8..]) == sequence)
                {
                    if (type == NlmsgDone)
                    {
                        return true;
                    }

                    if (type == NlmsgError)
                    {
                        return false;
                    }

                    if (type == SockDiagByFamily && length >= MessageMinimum)
                    {
                        var port = BinaryPrimitives.ReadUInt16BigEndian(answers[PortOffset..]);
                        var inode = BinaryPrimitives.ReadUInt32LittleEndian(answers[InodeOffset..]);
                        found[inode] = port;
                    }
                }

                // Messages are aligned to 4 bytes.
                var next = (length + 3) & ~3;
                answers = next >= answers.Length ? [] : answers[next..];
            }
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint send(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint recv(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}
