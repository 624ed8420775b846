using Microsoft.Win32.SafeHandles;

namespace River.Ebpf;

/// <summary>Owns a <c>struct bpf_object *</c>; releasing it closes every program and map fd of the object.</summary>
internal sealed class BpfObjectHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public BpfObjectHandle() : base(ownsHandle: true) { }

    internal BpfObjectHandle(nint pointer) : base(ownsHandle: true) => SetHandle(pointer);

    protected override bool ReleaseHandle()
    {
        Interop.Libbpf.ObjectClose(handle);
        return true;
    }
}

/// <summary>Owns a <c>struct bpf_link *</c>; releasing it detaches the program.</summary>
internal sealed class BpfLinkHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public BpfLinkHandle() : base(ownsHandle: true) { }

    internal BpfLinkHandle(nint pointer) : base(ownsHandle: true) => SetHandle(pointer);

    protected override bool ReleaseHandle() => Interop.Libbpf.LinkDestroy(handle) == 0;
}

/// <summary>Owns a <c>struct ring_buffer *</c> (its epoll fd and memory mappings).</summary>
internal sealed class RingBufferHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public RingBufferHandle() : base(ownsHandle: true) { }

    internal RingBufferHandle(nint pointer) : base(ownsHandle: true) => SetHandle(pointer);

    protected override bool ReleaseHandle()
    {
        Interop.Libbpf.RingBufferFree(handle);
        return true;
    }
}
