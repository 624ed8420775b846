using System.Numerics;

namespace River.Components.Beyla.Ebpf.Native;

/// <summary>
/// Requests the capture program has sent that still wait for their response, keyed by (connection id, number).
/// The kernel sends a request when it is read (server) or written (client) and its response as a record of its own,
/// so pairing happens here rather than in a kernel map. Sized once: adding, finding and removing allocate nothing.
/// The records live in a slot array; an open-addressed index (linear probing over a power-of-two table at least
/// twice the capacity, removal by shifting back, so no tombstones) maps a key to its slot, and the keys are kept in
/// arrays of their own so that a probe touches neither the 352-byte records nor a tuple comparer. A request beyond
/// the capacity is refused and counted by the caller, never dropped silently. Used by one thread (the ring-buffer
/// reader), so nothing here locks.
/// </summary>
public sealed class PendingRequests
{
    private readonly HttpEventNative[] _slots;
    private readonly ulong[] _connections;
    private readonly uint[] _seqs;
    private readonly bool[] _used;
    private readonly int[] _free;
    // Slot + 1 per position; 0 = empty.
    private readonly int[] _index;
    private readonly int _mask;
    private readonly int _shift;
    private int _freeCount;
    private int _count;

    /// <summary>Creates a table for at most <paramref name="capacity"/> unanswered requests.</summary>
    public PendingRequests(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1 << 28);
        _slots = new HttpEventNative[capacity];
        _connections = new ulong[capacity];
        _seqs = new uint[capacity];
        _used = new bool[capacity];
        _free = new int[capacity];
        for (var i = 0; i < capacity; i++)
        {
            _free[i] = capacity - 1 - i;
        }

        _freeCount = capacity;
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, capacity * 2));
        _index = new int[size];
        _mask = size - 1;
        _shift = 64 - BitOperations.Log2((uint)size);
    }

    /// <summary>Most requests held at once.</summary>
    public int Capacity => _slots.Length;

    /// <summary>Requests held now.</summary>
    public int Count => _count;

    /// <summary>Holds a request until its response; false when the table is full (or the key is held already).</summary>
    public bool TryAdd(in HttpEventNative request)
    {
        if (_freeCount == 0)
        {
            return false;
        }

        var connection = request.ConnectionId;
        var seq = request.Seq;
        var position = Home(connection, seq);
        while (_index[position] != 0)
        {
            var held = _index[position] - 1;
            if (_connections[held] == connection && _seqs[held] == seq)
            {
                return false;
            }

            position = (position + 1) & _mask;
        }

        var slot = _free[--_freeCount];
        request.CopyUsedTo(ref _slots[slot]);
        _connections[slot] = connection;
        _seqs[slot] = seq;
        _used[slot] = true;
        _index[position] = slot + 1;
        _count++;
        return true;
    }

    /// <summary>Adds a continuation to a held request; false when it is not held.</summary>
    public bool TryAppend(in HttpAppendNative append, ReadOnlySpan<byte> data)
    {
        var position = Find(append.ConnectionId, append.Seq);
        if (position < 0)
        {
            return false;
        }

        _slots[_index[position] - 1].Append(in append, data);
        return true;
    }

    /// <summary>Removes and returns the request (connection, seq); false when it is not held.</summary>
    public bool TryTake(ulong connection, uint seq, out HttpEventNative request)
    {
        var position = Find(connection, seq);
        if (position < 0)
        {
            request = default;
            return false;
        }

        var slot = _index[position] - 1;
        request = _slots[slot];
        RemoveAt(position);
        return true;
    }

    /// <summary>
    /// Removes the request <paramref name="response"/> answers and writes it, completed with the response, into
    /// <paramref name="destination"/> as the tracer's event (converted from where it is held: the record is not
    /// copied on the way). False when the request is not held.
    /// </summary>
    public bool TryComplete(in HttpResponseNative response, ref HttpRequestEvent destination)
    {
        var position = Find(response.ConnectionId, response.Seq);
        if (position < 0)
        {
            return false;
        }

        ref var request = ref _slots[_index[position] - 1];
        request.EndNs = response.EndNs;
        request.Status = response.Status;
        request.ResponseLength = response.ResponseLength;
        request.CopyTo(ref destination);
        RemoveAt(position);
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
        while (seq > 0 && _count > 0)
        {
            var position = Find(connection, --seq);
            if (position < 0)
            {
                break;
            }

            RemoveAt(position);
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
        if (_count == 0)
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
            RemoveAt(Find(_connections[slot], _seqs[slot]));
            expired(request);
            count++;
        }

        return count;
    }

    // The connection is hashed and its request number added, so a connection's requests take consecutive positions:
    // its next request's position is next to its last one's, usually in the same cache line. With a hash of both, every
    // request landed on a random line of the index, and on a machine where nginx and wrk run between the reader's
    // wake-ups that line was rarely still cached: the first probe was 94 % of TryAdd's time, and TryAdd 18 % of River's.
    private int Home(ulong connection, uint seq) =>
        (int)(((connection * 0xD6E8FEB86659FD93UL) >> _shift) + seq) & _mask;

    // The index position of (connection, seq), or -1.
    private int Find(ulong connection, uint seq)
    {
        var position = Home(connection, seq);
        while (true)
        {
            var entry = _index[position];
            if (entry == 0)
            {
                return -1;
            }

            if (_connections[entry - 1] == connection && _seqs[entry - 1] == seq)
            {
                return position;
            }

            position = (position + 1) & _mask;
        }
    }

    // Frees the slot at index position and closes the gap: each later entry of the run that may live in the hole
    // (its home is not between the hole and itself) moves back into it.
    private void RemoveAt(int position)
    {
        var slot = _index[position] - 1;
        _used[slot] = false;
        _free[_freeCount++] = slot;
        _count--;

        var hole = position;
        var i = position;
        while (true)
        {
            i = (i + 1) & _mask;
            var entry = _index[i];
            if (entry == 0)
            {
                break;
            }

            var home = Home(_connections[entry - 1], _seqs[entry - 1]);
            if (((i - home) & _mask) >= ((i - hole) & _mask))
            {
                _index[hole] = entry;
                hole = i;
            }
        }

        _index[hole] = 0;
    }
}
