using System.Runtime.InteropServices;

namespace River.Ebpf;

/// <summary>
/// A program of a <see cref="BpfObject"/>. The native pointer is borrowed from the object: a program never
/// frees anything itself. Attaching returns a <see cref="BpfLink"/> that the caller (or the object) disposes.
/// </summary>
public sealed class BpfProgram
{
    private readonly BpfObject _owner;

    internal BpfProgram(BpfObject owner, nint pointer, string name, string section)
    {
        _owner = owner;
        Pointer = pointer;
        Name = name;
        Section = section;
    }

    /// <summary>The C function name.</summary>
    public string Name { get; }

    /// <summary>The ELF section, e.g. <c>raw_tracepoint/sys_enter</c>.</summary>
    public string Section { get; }

    internal nint Pointer { get; }

    /// <summary>The program fd once loaded (borrowed from the object), or a negative errno before load.</summary>
    public int Fd => Interop.Libbpf.ProgramFd(Pointer);

    /// <summary>Attaches as its section says (libbpf's generic <c>bpf_program__attach</c>).</summary>
    public BpfLink Attach() => Loaded().Wrap(Interop.Libbpf.ProgramAttach(Pointer), $"attaching '{Name}' ({Section})");

    /// <summary>Attaches to a raw tracepoint such as <c>sys_enter</c> (needs no tracefs).</summary>
    public BpfLink AttachRawTracepoint(string tracepoint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tracepoint);
        return Loaded().Wrap(Interop.Libbpf.ProgramAttachRawTracepoint(Pointer, tracepoint),
            $"attaching '{Name}' to raw tracepoint {tracepoint}");
    }

    /// <summary>Attaches to a tracepoint such as <c>syscalls/sys_enter_read</c>; mounts tracefs when missing.</summary>
    public BpfLink AttachTracepoint(string category, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(category);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Loaded();
        Tracefs.EnsureMounted();
        return Wrap(Interop.Libbpf.ProgramAttachTracepoint(Pointer, category, name),
            $"attaching '{Name}' to tracepoint {category}/{name}");
    }

    private BpfProgram Loaded()
    {
        _owner.EnsureLoaded();
        return this;
    }

    private BpfLink Wrap(nint link, string what)
    {
        // Read errno first: nothing native may run between the attach call and this line.
        var errno = Marshal.GetLastPInvokeError();
        if (link == 0)
            throw new BpfException(what + " failed", errno);
        var result = new BpfLink(_owner, new BpfLinkHandle(link), Name);
        _owner.Track(result);
        return result;
    }
}

/// <summary>An attachment of a program. Disposing it detaches the program.</summary>
public sealed class BpfLink : IDisposable
{
    private readonly BpfObject _owner;
    private readonly BpfLinkHandle _handle;

    internal BpfLink(BpfObject owner, BpfLinkHandle handle, string programName)
    {
        _owner = owner;
        _handle = handle;
        ProgramName = programName;
    }

    /// <summary>The attached program.</summary>
    public string ProgramName { get; }

    /// <summary>The link's fd (borrowed), or -1 once disposed.</summary>
    public int Fd => _handle.IsClosed ? -1 : Interop.Libbpf.LinkFd(_handle.DangerousGetHandle());

    /// <summary>Detaches the program.</summary>
    public void Dispose()
    {
        if (_handle.IsClosed)
            return;
        _handle.Dispose();
        _owner.Untrack(this);
    }
}
