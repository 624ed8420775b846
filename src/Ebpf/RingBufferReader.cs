using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace River.Ebpf;

/// <summary>Receives one ring-buffer record. The span points into the ring's memory and is valid only during the call.</summary>
public delegate void RingBufferHandler(ReadOnlySpan<byte> record);

/// <summary>
/// Reads a BPF_MAP_TYPE_RINGBUF map through libbpf. Records are handed to the handler straight from the shared
/// memory, one batch per <see cref="Poll"/> or <see cref="Consume"/>, with no allocation per record.
/// Not thread-safe: poll from one thread.
/// </summary>
public sealed unsafe class RingBufferReader : IDisposable
{
    private readonly RingBufferHandler _handler;
    private readonly RingBufferHandle _handle;
    private GCHandle _self;
    private Exception? _callbackError;

    /// <summary>Opens a reader on a ring-buffer map fd (the fd stays owned by the map's object).</summary>
    public RingBufferReader(int mapFd, RingBufferHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _handler = handler;
        _self = GCHandle.Alloc(this);
        using var capture = LibbpfLog.BeginCapture();
        var pointer = Interop.Libbpf.RingBufferNew(mapFd, &OnSample, GCHandle.ToIntPtr(_self), null);
        var errno = Marshal.GetLastPInvokeError();
        if (pointer == 0)
        {
            _self.Free();
            throw new BpfException($"ring_buffer__new on map fd {mapFd} failed", errno, capture.Text);
        }
        _handle = new RingBufferHandle(pointer);
    }

    /// <summary>The epoll fd that becomes readable when records wait (for integrating with another loop).</summary>
    public int EpollFd => Interop.Libbpf.RingBufferEpollFd(Pointer);

    /// <summary>Records delivered so far.</summary>
    public long RecordsRead { get; private set; }

    private nint Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle.DangerousGetHandle();
        }
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for records and delivers them. Records submitted without a wake-up
    /// (the producer batches wake-ups) are drained too when the wait times out. Returns the number delivered.
    /// </summary>
    public int Poll(TimeSpan timeout)
    {
        var ms = timeout < TimeSpan.Zero ? -1 : (int)Math.Min(timeout.TotalMilliseconds, int.MaxValue);
        var rc = Interop.Libbpf.RingBufferPoll(Pointer, ms);
        if (rc == -Errno.EINTR)
            rc = 0;
        Rethrow(rc, "ring_buffer__poll");
        return rc == 0 ? Consume() : rc;
    }

    /// <summary>Delivers every record available now, without waiting. Returns the number delivered.</summary>
    public int Consume()
    {
        var rc = Interop.Libbpf.RingBufferConsume(Pointer);
        Rethrow(rc, "ring_buffer__consume");
        return rc;
    }

    /// <summary>Frees the reader's mappings and epoll fd.</summary>
    public void Dispose()
    {
        if (_handle.IsClosed)
            return;
        _handle.Dispose();
        if (_self.IsAllocated)
            _self.Free();
    }

    private void Rethrow(int rc, string call)
    {
        if (_callbackError is { } error)
        {
            _callbackError = null;
            ExceptionDispatchInfo.Capture(error).Throw();
        }
        if (rc < 0)
            throw new BpfException(call + " failed", -rc);
        RecordsRead += rc;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnSample(nint context, void* data, nuint size)
    {
        var reader = (RingBufferReader)GCHandle.FromIntPtr(context).Target!;
        try
        {
            reader._handler(new ReadOnlySpan<byte>(data, (int)size));
            return 0;
        }
#pragma warning disable CA1031 // the exception is rethrown on the managed side after libbpf returns
        catch (Exception e)
#pragma warning restore CA1031
        {
            // A negative return stops libbpf's consume loop; Poll/Consume rethrows the handler's exception.
            reader._callbackError = e;
            return -1;
        }
    }
}
