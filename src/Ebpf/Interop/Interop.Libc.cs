using System.Runtime.InteropServices;

namespace River.Ebpf;

internal static partial class Interop
{
    /// <summary>The few libc calls the library needs: formatting libbpf's printf-style logs and mounting tracefs.</summary>
    internal static unsafe partial class Libc
    {
        internal const string Name = "libc";

        /// <summary>
        /// <c>vsnprintf</c>. On x86-64 a <c>va_list</c> is an array of one 24-byte struct, so it is passed as a
        /// pointer, and copying those 24 bytes is exactly what <c>va_copy</c> does.
        /// </summary>
        [LibraryImport(Name, EntryPoint = "vsnprintf")]
        internal static partial int VsnPrintf(byte* buffer, nuint size, byte* format, nint args);

        /// <summary><c>struct timespec</c> on 64-bit Linux.</summary>
        internal struct TimeSpec
        {
            internal long Seconds;
            internal long Nanoseconds;
        }

        internal const int ClockMonotonic = 1;

        [LibraryImport(Name, EntryPoint = "clock_gettime", SetLastError = true)]
        internal static partial int ClockGetTime(int clock, TimeSpec* time);

        [LibraryImport(Name, EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Mount(string source, string target, string fileSystemType, nuint flags, nint data);
    }
}
