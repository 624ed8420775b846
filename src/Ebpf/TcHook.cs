using System.Runtime.InteropServices;

namespace River.Ebpf;

/// <summary>Where a TC program runs on an interface's clsact qdisc.</summary>
public enum TcAttachPoint
{
    /// <summary>Packets received by the interface.</summary>
    Ingress = Interop.Libbpf.TcIngress,
    /// <summary>Packets sent by the interface.</summary>
    Egress = Interop.Libbpf.TcEgress,
}

/// <summary>
/// The clsact qdisc of one interface, for attaching <c>sched_cls</c> programs in direct-action mode
/// (libbpf's <c>bpf_tc_hook_create</c> / <c>bpf_tc_attach</c>). Disposing detaches every filter attached through
/// this hook and removes the qdisc only when this hook created it, so a clsact qdisc that other tools (or other
/// programs) set up stays in place.
/// </summary>
public sealed unsafe class TcHook : IDisposable
{
    private readonly List<TcFilter> _filters = [];
    private bool _disposed;

    private TcHook(int ifIndex, bool createdQdisc)
    {
        IfIndex = ifIndex;
        CreatedQdisc = createdQdisc;
    }

    /// <summary>The interface index.</summary>
    public int IfIndex { get; }

    /// <summary>True when this hook created the clsact qdisc (and so removes it on dispose).</summary>
    public bool CreatedQdisc { get; }

    /// <summary>Filters attached through this hook and not yet detached.</summary>
    public IReadOnlyList<TcFilter> Filters => _filters;

    /// <summary>Creates the clsact qdisc of <paramref name="ifIndex"/>, or adopts the one that exists.</summary>
    /// <exception cref="BpfException">The kernel refused (no such interface, no permission).</exception>
    public static TcHook Open(int ifIndex)
    {
        if (ifIndex <= 0)
            throw new ArgumentOutOfRangeException(nameof(ifIndex), ifIndex, "an interface index is positive");
        EbpfSupport.EnsureSupported();
        var hook = NativeHook(ifIndex, Interop.Libbpf.TcIngress | Interop.Libbpf.TcEgress);
        var rc = Interop.Libbpf.TcHookCreate(&hook);
        if (rc < 0 && rc != -Errno.EEXIST)
            throw new BpfException($"creating the clsact qdisc on interface {ifIndex} failed", -rc);
        return new TcHook(ifIndex, rc == 0);
    }

    /// <summary>Attaches a loaded <c>tc</c>/<c>classifier</c> program in direct-action mode.</summary>
    /// <exception cref="BpfException">The kernel refused the filter.</exception>
    public TcFilter Attach(BpfProgram program, TcAttachPoint point)
    {
        ArgumentNullException.ThrowIfNull(program);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var fd = program.Fd;
        if (fd < 0)
            throw new InvalidOperationException($"program '{program.Name}' is not loaded");
        var hook = NativeHook(IfIndex, (int)point);
        // Handle and priority 0 let the kernel choose; libbpf writes the chosen values back for the detach.
        var options = new Interop.Libbpf.TcOptions { Size = (nuint)sizeof(Interop.Libbpf.TcOptions), ProgramFd = fd };
        var rc = Interop.Libbpf.TcAttach(&hook, &options);
        if (rc < 0)
            throw new BpfException($"attaching '{program.Name}' to tc {point.ToString().ToLowerInvariant()} of interface {IfIndex} failed", -rc);
        var filter = new TcFilter(this, program.Name, point, options.Handle, options.Priority, options.ProgramId);
        _filters.Add(filter);
        return filter;
    }

    /// <summary>Detaches this hook's filters, then removes the qdisc if this hook created it.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        foreach (var filter in _filters.ToArray())
            filter.Dispose();
        if (CreatedQdisc)
        {
            var hook = NativeHook(IfIndex, Interop.Libbpf.TcIngress | Interop.Libbpf.TcEgress);
            // ENOENT/ENODEV: the interface (and with it the qdisc) is already gone, e.g. a deleted veth.
            _ = Interop.Libbpf.TcHookDestroy(&hook);
        }
    }

    internal void Detach(TcFilter filter)
    {
        _filters.Remove(filter);
        var hook = NativeHook(IfIndex, (int)filter.Point);
        // bpf_tc_detach wants only handle and priority; prog_fd, prog_id and flags must be zero.
        var options = new Interop.Libbpf.TcOptions
        {
            Size = (nuint)sizeof(Interop.Libbpf.TcOptions),
            Handle = filter.Handle,
            Priority = filter.Priority,
        };
        _ = Interop.Libbpf.TcDetach(&hook, &options);
    }

    private static Interop.Libbpf.TcHook NativeHook(int ifIndex, int point) => new()
    {
        Size = (nuint)sizeof(Interop.Libbpf.TcHook),
        IfIndex = ifIndex,
        AttachPoint = point,
    };
}

/// <summary>One direct-action filter on a <see cref="TcHook"/>. Disposing it detaches the filter.</summary>
public sealed class TcFilter : IDisposable
{
    private readonly TcHook _hook;
    private bool _detached;

    internal TcFilter(TcHook hook, string programName, TcAttachPoint point, uint handle, uint priority, uint programId)
    {
        _hook = hook;
        ProgramName = programName;
        Point = point;
        Handle = handle;
        Priority = priority;
        ProgramId = programId;
    }

    /// <summary>The attached program's name.</summary>
    public string ProgramName { get; }

    /// <summary>Ingress or egress.</summary>
    public TcAttachPoint Point { get; }

    /// <summary>The filter handle the kernel chose.</summary>
    public uint Handle { get; }

    /// <summary>The filter priority the kernel chose.</summary>
    public uint Priority { get; }

    /// <summary>The kernel id of the attached program (as <c>bpftool prog list</c> shows it).</summary>
    public uint ProgramId { get; }

    /// <summary>Detaches the filter.</summary>
    public void Dispose()
    {
        if (_detached)
            return;
        _detached = true;
        _hook.Detach(this);
    }
}
