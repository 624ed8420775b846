namespace River.Components.Beyla.Ebpf.Native;

/// <summary>
/// Requests the capture program has sent that still wait for their response, keyed by (connection id, number).
/// The kernel sends a request when it is read (server) or written (client) and its response as a record of its own,
/// so pairing happens here rather than in a kernel map. Sized once: adding, finding and removing allocate nothing
/// (a <see cref="Dictionary{TKey,TValue}"/> created with its capacity reuses its entries while it stays within it),
/// and a request beyond the capacity is refused and counted by the caller, never dropped silently. Used by one
/// thread (the ring-buffer reader), so nothing here locks.
/// </summary>
public sealed class PendingRequests
{
    private readonly HttpEventNative[] _slots;
    private readonly bool[] _used;
    private readonly int[] _free;
    private readonly Dictionary<(ulong Connection, uint Seq), int> _index;
    private int _freeCount;

    /// <summary>Creates a table for at most <paramref name="capacity"/> unanswered requests.</summary>
    public PendingRequests(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _slots = new HttpEventNative[capacity];
        _used = new bool[capacity];
        _free = new int[capacity];
        for (var i = 0; i < capacity; i++)
        {
            _free[i] = capacity - 1 - i;
        }

        _freeCount = capacity;
        _index = new Dictionary<(ulong, uint), int>(capacity);
    }

    /// <summary>Most requests held at once.</summary>
    public int Capacity => _slots.Length;

    /// <summary>Requests held now.</summary>
    public int Count => _index.Count;

    /// <summary>Holds a request until its response; false when the table is full (or the key is held already).</summary>
    public bool TryAdd(in HttpEventNative request)
    {
        if (_freeCount == 0)
        {
            return false;
        }

        var slot = _free[_freeCount - 1];
        if (!_index.TryAdd((request.ConnectionId, request.Seq), slot))
        {
            return false;
        }

        _freeCount--;
        _slots[slot] = request;
        _used[slot] = true;
        return true;
    }

    /// <summary>Adds a continuation to a held request; false when it is not held.</summary>
    public bool TryAppend(in HttpAppendNative append, ReadOnlySpan<byte> data)
    {
        if (!_index.TryGetValue((append.ConnectionId, append.Seq), out var slot))
        {
            return false;
        }

        _slots[slot].Append(in append, data);
        return true;
    }

    /// <summary>Removes and returns the request (connection, seq); false when it is not held.</summary>
    public bool TryTake(ulong connection, uint seq, out HttpEventNative request)
    {
        if (!_index.Remove((connection, seq), out var slot))
        {
            request = default;
            return false;
        }

        request = _slots[slot];
        Release(slot);
        return true;
    }

    /// <summary>
    /// Removes the requests of <paramref name="connection"/> numbered just below <paramref name="seq"/> (a response to
    /// seq answers every earlier request of its connection, so any still held lost their response record).
    /// Returns how many were removed.
    /// </summary>
    public int DropAnsweredBefore(ulong connection, uint seq)
    {
        var dropped = 0;
        while (seq > 0 && _index.Remove((connection, --seq), out var slot))
        {
            Release(slot);
            dropped++;
        }

        return dropped;
    }

    /// <summary>
    /// Removes every request that started before <paramref name="cutoffNs"/> (CLOCK_MONOTONIC) and hands each to
    /// <paramref name="expired"/>. Returns how many expired.
    /// </summary>
    public int Expire(ulong cutoffNs, Action<HttpEventNative> expired)
    {
        ArgumentNullException.ThrowIfNull(expired);
        if (_index.Count == 0)
        {
            return 0;
        }

        var count = 0;
        for (var slot = 0; slot < _slots.Length; slot++)
        {
            if (!_used[slot] || _slots[slot].StartNs >= cutoffNs)
            {
                continue;
            }

            var request = _slots[slot];
            _index.Remove((request.ConnectionId, request.Seq));
            Release(slot);
            expired(request);
            count++;
        }

        return count;
    }

    private void Release(int slot)
    {
        _used[slot] = false;
        _free[_freeCount++] = slot;
    }
}
