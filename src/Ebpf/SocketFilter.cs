using System.Runtime.InteropServices;

namespace River.Ebpf;

/// <summary>
/// A <c>socket</c> (BPF_PROG_TYPE_SOCKET_FILTER) program attached to a raw <c>AF_PACKET</c> socket bound to one
/// interface (or to all when the index is 0), so the program sees every frame the interface sends and receives.
/// The socket is owned here and never read: the program should return 0 so nothing queues on it. Disposing closes
/// the socket, which detaches the program.
/// </summary>
public sealed unsafe class SocketFilter : IDisposable
{
    private int _fd;

    private SocketFilter(int fd, int ifIndex, string programName)
    {
        _fd = fd;
        IfIndex = ifIndex;
        ProgramName = programName;
    }

    /// <summary>The interface index the socket is bound to (0: every interface).</summary>
    public int IfIndex { get; }

    /// <summary>The attached program's name.</summary>
    public string ProgramName { get; }

    /// <summary>The socket fd, or -1 once disposed.</summary>
    public int Fd => _fd;

    /// <summary>Opens the raw socket, attaches <paramref name="program"/>, then binds to the interface.</summary>
    /// <exception cref="BpfException">The kernel refused (no CAP_NET_RAW, no such interface).</exception>
    public static SocketFilter Attach(BpfProgram program, int ifIndex)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentOutOfRangeException.ThrowIfNegative(ifIndex);
        var programFd = program.Fd;
        if (programFd < 0)
            throw new InvalidOperationException($"program '{program.Name}' is not loaded");
        // Protocol 0 at creation: the socket receives nothing until bind names a protocol, so no frame of another
        // interface reaches the program between socket() and bind().
        var fd = Interop.Sockets.Socket(Interop.Sockets.AfPacket,
            Interop.Sockets.SockRaw | Interop.Sockets.SockNonBlock | Interop.Sockets.SockCloexec, 0);
        if (fd < 0)
            throw new BpfException("opening a raw packet socket failed", Marshal.GetLastPInvokeError());
        try
        {
            if (Interop.Sockets.SetSockOpt(fd, Interop.Sockets.SolSocket, Interop.Sockets.SoAttachBpf, &programFd, sizeof(int)) < 0)
                throw new BpfException($"attaching socket filter '{program.Name}' failed", Marshal.GetLastPInvokeError());
            var address = new Interop.Sockets.SockaddrLl
            {
                Family = Interop.Sockets.AfPacket,
                Protocol = (ushort)System.Net.IPAddress.HostToNetworkOrder((short)Interop.Sockets.EthPAll),
                IfIndex = ifIndex,
            };
            if (Interop.Sockets.Bind(fd, &address, (uint)sizeof(Interop.Sockets.SockaddrLl)) < 0)
                throw new BpfException($"binding the packet socket to interface {ifIndex} failed", Marshal.GetLastPInvokeError());
            return new SocketFilter(fd, ifIndex, program.Name);
        }
        catch
        {
            _ = Interop.Sockets.Close(fd);
            throw;
        }
    }

    /// <summary>Closes the socket (the kernel drops the program's reference with it).</summary>
    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
            _ = Interop.Sockets.Close(fd);
    }
}
