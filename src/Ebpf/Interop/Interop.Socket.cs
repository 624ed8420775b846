using System.Runtime.InteropServices;

namespace River.Ebpf;

internal static partial class Interop
{
    /// <summary>The libc socket calls behind socket-filter attachment (raw packet sockets).</summary>
    internal static unsafe partial class Sockets
    {
        internal const int AfPacket = 17;
        internal const int SockRaw = 3;
        internal const int SockNonBlock = 0x800;
        internal const int SockCloexec = 0x80000;
        internal const int SolSocket = 1;
        internal const int SoAttachBpf = 50;
        internal const int SoDetachBpf = 27;
        internal const ushort EthPAll = 0x0003;

        /// <summary><c>struct sockaddr_ll</c> (20 bytes).</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct SockaddrLl
        {
            internal ushort Family;
            internal ushort Protocol;
            internal int IfIndex;
            internal ushort HaType;
            internal byte PktType;
            internal byte HaLen;
            internal ulong Address;
        }

        [LibraryImport(Libc.Name, EntryPoint = "socket", SetLastError = true)]
        internal static partial int Socket(int domain, int type, int protocol);

        [LibraryImport(Libc.Name, EntryPoint = "bind", SetLastError = true)]
        internal static partial int Bind(int fd, void* address, uint length);

        [LibraryImport(Libc.Name, EntryPoint = "setsockopt", SetLastError = true)]
        internal static partial int SetSockOpt(int fd, int level, int name, void* value, uint length);

        [LibraryImport(Libc.Name, EntryPoint = "close", SetLastError = true)]
        internal static partial int Close(int fd);
    }
}
