using System.Runtime.InteropServices;

namespace River.Ebpf;

internal static partial class Interop
{
    /// <summary>
    /// libbpf 1.x (<c>libbpf.so.1</c>). Since 1.0 every API returns a negative errno or NULL with errno set,
    /// so errors are read from the return value or, for pointers, from the last P/Invoke error.
    /// </summary>
    internal static unsafe partial class Libbpf
    {
        internal const string Name = "libbpf.so.1";

        /// <summary>Layout of <c>struct bpf_object_open_opts</c> in libbpf 1.1; unused fields stay zero.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct ObjectOpenOptions
        {
            internal nuint Size;
            internal byte* ObjectName;
            internal byte RelaxedMaps;
            internal byte* PinRootPath;
            internal byte* Kconfig;
            internal byte* BtfCustomPath;
            internal byte* KernelLogBuffer;
            internal nuint KernelLogSize;
            internal uint KernelLogLevel;
        }

        [LibraryImport(Name, EntryPoint = "libbpf_major_version")]
        internal static partial uint MajorVersion();

        [LibraryImport(Name, EntryPoint = "libbpf_minor_version")]
        internal static partial uint MinorVersion();

        [LibraryImport(Name, EntryPoint = "libbpf_set_print")]
        internal static partial nint SetPrint(delegate* unmanaged[Cdecl]<int, byte*, nint, int> callback);

        [LibraryImport(Name, EntryPoint = "libbpf_num_possible_cpus")]
        internal static partial int NumPossibleCpus();

        [LibraryImport(Name, EntryPoint = "bpf_object__open_mem", SetLastError = true)]
        internal static partial nint ObjectOpenMem(void* buffer, nuint size, ObjectOpenOptions* options);

        [LibraryImport(Name, EntryPoint = "bpf_object__load")]
        internal static partial int ObjectLoad(nint obj);

        [LibraryImport(Name, EntryPoint = "bpf_object__close")]
        internal static partial void ObjectClose(nint obj);

        [LibraryImport(Name, EntryPoint = "bpf_object__btf")]
        internal static partial nint ObjectBtf(nint obj);

        [LibraryImport(Name, EntryPoint = "bpf_object__next_map")]
        internal static partial nint ObjectNextMap(nint obj, nint previous);

        [LibraryImport(Name, EntryPoint = "bpf_object__next_program")]
        internal static partial nint ObjectNextProgram(nint obj, nint previous);

        [LibraryImport(Name, EntryPoint = "bpf_map__name")]
        internal static partial byte* MapName(nint map);

        [LibraryImport(Name, EntryPoint = "bpf_map__fd")]
        internal static partial int MapFd(nint map);

        [LibraryImport(Name, EntryPoint = "bpf_map__type")]
        internal static partial int MapType(nint map);

        [LibraryImport(Name, EntryPoint = "bpf_map__max_entries")]
        internal static partial uint MapMaxEntries(nint map);

        [LibraryImport(Name, EntryPoint = "bpf_map__set_max_entries")]
        internal static partial int MapSetMaxEntries(nint map, uint maxEntries);

        [LibraryImport(Name, EntryPoint = "bpf_map__key_size")]
        internal static partial uint MapKeySize(nint map);

        [LibraryImport(Name, EntryPoint = "bpf_map__value_size")]
        internal static partial uint MapValueSize(nint map);

        [LibraryImport(Name, EntryPoint = "bpf_map__btf_value_type_id")]
        internal static partial uint MapBtfValueTypeId(nint map);

        [LibraryImport(Name, EntryPoint = "bpf_map__initial_value")]
        internal static partial void* MapInitialValue(nint map, nuint* size);

        [LibraryImport(Name, EntryPoint = "bpf_program__name")]
        internal static partial byte* ProgramName(nint program);

        [LibraryImport(Name, EntryPoint = "bpf_program__section_name")]
        internal static partial byte* ProgramSectionName(nint program);

        [LibraryImport(Name, EntryPoint = "bpf_program__set_autoload")]
        internal static partial int ProgramSetAutoload(nint program, [MarshalAs(UnmanagedType.U1)] bool autoload);

        [LibraryImport(Name, EntryPoint = "bpf_program__fd")]
        internal static partial int ProgramFd(nint program);

        [LibraryImport(Name, EntryPoint = "bpf_program__attach", SetLastError = true)]
        internal static partial nint ProgramAttach(nint program);

        [LibraryImport(Name, EntryPoint = "bpf_program__attach_tracepoint", SetLastError = true,
            StringMarshalling = StringMarshalling.Utf8)]
        internal static partial nint ProgramAttachTracepoint(nint program, string category, string name);

        [LibraryImport(Name, EntryPoint = "bpf_program__attach_raw_tracepoint", SetLastError = true,
            StringMarshalling = StringMarshalling.Utf8)]
        internal static partial nint ProgramAttachRawTracepoint(nint program, string tracepoint);

        [LibraryImport(Name, EntryPoint = "bpf_link__destroy")]
        internal static partial int LinkDestroy(nint link);

        [LibraryImport(Name, EntryPoint = "bpf_link__fd")]
        internal static partial int LinkFd(nint link);

        [LibraryImport(Name, EntryPoint = "bpf_map_lookup_elem")]
        internal static partial int MapLookupElem(int fd, void* key, void* value);

        [LibraryImport(Name, EntryPoint = "bpf_map_update_elem")]
        internal static partial int MapUpdateElem(int fd, void* key, void* value, ulong flags);

        [LibraryImport(Name, EntryPoint = "bpf_map_delete_elem")]
        internal static partial int MapDeleteElem(int fd, void* key);

        [LibraryImport(Name, EntryPoint = "bpf_map_lookup_and_delete_elem")]
        internal static partial int MapLookupAndDeleteElem(int fd, void* key, void* value);

        [LibraryImport(Name, EntryPoint = "bpf_map_get_next_key")]
        internal static partial int MapGetNextKey(int fd, void* key, void* nextKey);

        [LibraryImport(Name, EntryPoint = "bpf_map_lookup_batch")]
        internal static partial int MapLookupBatch(int fd, void* inBatch, void* outBatch, void* keys, void* values,
            uint* count, void* options);

        [LibraryImport(Name, EntryPoint = "bpf_map_lookup_and_delete_batch")]
        internal static partial int MapLookupAndDeleteBatch(int fd, void* inBatch, void* outBatch, void* keys,
            void* values, uint* count, void* options);

        [LibraryImport(Name, EntryPoint = "ring_buffer__new", SetLastError = true)]
        internal static partial nint RingBufferNew(int mapFd, delegate* unmanaged[Cdecl]<nint, void*, nuint, int> sample,
            nint context, void* options);

        [LibraryImport(Name, EntryPoint = "ring_buffer__poll")]
        internal static partial int RingBufferPoll(nint ringBuffer, int timeoutMs);

        [LibraryImport(Name, EntryPoint = "ring_buffer__consume")]
        internal static partial int RingBufferConsume(nint ringBuffer);

        [LibraryImport(Name, EntryPoint = "ring_buffer__epoll_fd")]
        internal static partial int RingBufferEpollFd(nint ringBuffer);

        [LibraryImport(Name, EntryPoint = "ring_buffer__free")]
        internal static partial void RingBufferFree(nint ringBuffer);

        [LibraryImport(Name, EntryPoint = "btf__type_by_id")]
        internal static partial BtfType* BtfTypeById(nint btf, uint id);

        [LibraryImport(Name, EntryPoint = "btf__name_by_offset")]
        internal static partial byte* BtfNameByOffset(nint btf, uint offset);

        /// <summary><c>struct btf_type</c>: name offset, info (vlen in bits 0-15, kind in bits 24-28), size/type.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct BtfType
        {
            internal uint NameOffset;
            internal uint Info;
            internal uint SizeOrType;
        }

        /// <summary><c>struct btf_var_secinfo</c>: one variable of a DATASEC.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct BtfVarSecInfo
        {
            internal uint Type;
            internal uint Offset;
            internal uint Size;
        }
    }
}
