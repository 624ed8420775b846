using System.Runtime.InteropServices;

namespace River.Ebpf;

internal static partial class Interop
{
    internal static unsafe partial class Libbpf
    {
        /// <summary><c>enum bpf_tc_attach_point</c>.</summary>
        internal const int TcIngress = 1, TcEgress = 2;

        /// <summary>
        /// <c>struct bpf_tc_hook</c> (libbpf 1.1): sz, ifindex, attach_point, parent, then <c>size_t :0</c>, which
        /// pads the struct to 24 bytes.
        /// </summary>
        [StructLayout(LayoutKind.Sequential, Size = 24)]
        internal struct TcHook
        {
            internal nuint Size;
            internal int IfIndex;
            internal int AttachPoint;
            internal uint Parent;
        }

        /// <summary>
        /// <c>struct bpf_tc_opts</c> (libbpf 1.1): sz, prog_fd, flags, prog_id, handle, priority, then
        /// <c>size_t :0</c> (32 bytes). libbpf writes the chosen handle, priority and prog_id back on attach.
        /// </summary>
        [StructLayout(LayoutKind.Sequential, Size = 32)]
        internal struct TcOptions
        {
            internal nuint Size;
            internal int ProgramFd;
            internal uint Flags;
            internal uint ProgramId;
            internal uint Handle;
            internal uint Priority;
        }

        [LibraryImport(Name, EntryPoint = "bpf_tc_hook_create")]
        internal static partial int TcHookCreate(TcHook* hook);

        [LibraryImport(Name, EntryPoint = "bpf_tc_hook_destroy")]
        internal static partial int TcHookDestroy(TcHook* hook);

        [LibraryImport(Name, EntryPoint = "bpf_tc_attach")]
        internal static partial int TcAttach(TcHook* hook, TcOptions* options);

        [LibraryImport(Name, EntryPoint = "bpf_tc_detach")]
        internal static partial int TcDetach(TcHook* hook, TcOptions* options);

        [LibraryImport(Name, EntryPoint = "bpf_tc_query")]
        internal static partial int TcQuery(TcHook* hook, TcOptions* options);
    }
}

internal static partial class Interop
{
    internal static unsafe partial class Libbpf
    {
        /// <summary><c>BPF_STATS_RUN_TIME</c> of <c>enum bpf_stats_type</c>.</summary>
        internal const int StatsRunTime = 0;

        /// <summary>Offsets of <c>run_time_ns</c> and <c>run_cnt</c> in <c>struct bpf_prog_info</c> (stable UAPI since 5.1).</summary>
        internal const int ProgInfoRunTimeOffset = 192, ProgInfoRunCountOffset = 200, ProgInfoSize = 232;

        [LibraryImport(Name, EntryPoint = "bpf_enable_stats")]
        internal static partial int EnableStats(int type);

        [LibraryImport(Name, EntryPoint = "bpf_obj_get_info_by_fd")]
        internal static partial int ObjGetInfoByFd(int fd, void* info, uint* length);
    }
}
