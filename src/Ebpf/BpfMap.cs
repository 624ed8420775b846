using System.Runtime.CompilerServices;

namespace River.Ebpf;

/// <summary>Flags of a map update (<c>BPF_ANY</c>, <c>BPF_NOEXIST</c>, <c>BPF_EXIST</c>).</summary>
public enum BpfUpdateFlags : ulong
{
    /// <summary>Create or replace.</summary>
    Any = 0,
    /// <summary>Create only; fail with EEXIST when present.</summary>
    NoExist = 1,
    /// <summary>Replace only; fail with ENOENT when absent.</summary>
    Exist = 2,
}

/// <summary>Kernel map types the library distinguishes (<c>enum bpf_map_type</c>).</summary>
public enum BpfMapType
{
    /// <summary>Unspecified.</summary>
    Unspecified = 0,
    /// <summary>Hash table.</summary>
    Hash = 1,
    /// <summary>Array.</summary>
    Array = 2,
    /// <summary>Per-CPU hash table.</summary>
    PerCpuHash = 5,
    /// <summary>Per-CPU array.</summary>
    PerCpuArray = 6,
    /// <summary>LRU hash table.</summary>
    LruHash = 9,
    /// <summary>Per-CPU LRU hash table.</summary>
    LruPerCpuHash = 10,
    /// <summary>Ring buffer.</summary>
    RingBuffer = 27,
}

/// <summary>
/// A typed view of a loaded map. The map and its fd belong to the <see cref="BpfObject"/>; this view borrows
/// them and must not be used after the object is disposed. Per-CPU maps are read with
/// <see cref="LookupPerCpu"/>, one value per possible CPU.
/// </summary>
/// <typeparam name="TKey">Unmanaged key, exactly the map's key size.</typeparam>
/// <typeparam name="TValue">Unmanaged value, exactly the map's value size (per CPU for per-CPU maps).</typeparam>
public sealed unsafe class BpfMap<TKey, TValue> where TKey : unmanaged where TValue : unmanaged
{
    private readonly BpfObject _owner;
    private bool? _batchSupported;

    internal BpfMap(BpfObject owner, nint map, string name)
    {
        _owner = owner;
        Name = name;
        Fd = Interop.Libbpf.MapFd(map);
        Type = (BpfMapType)Interop.Libbpf.MapType(map);
        MaxEntries = Interop.Libbpf.MapMaxEntries(map);
        var keySize = Interop.Libbpf.MapKeySize(map);
        var valueSize = Interop.Libbpf.MapValueSize(map);
        if (keySize != sizeof(TKey))
            throw new ArgumentException($"map '{name}' has {keySize}-byte keys but {typeof(TKey).Name} is {sizeof(TKey)} bytes");
        if (valueSize != sizeof(TValue))
            throw new ArgumentException($"map '{name}' has {valueSize}-byte values but {typeof(TValue).Name} is {sizeof(TValue)} bytes");
        IsPerCpu = Type is BpfMapType.PerCpuArray or BpfMapType.PerCpuHash or BpfMapType.LruPerCpuHash;
    }

    /// <summary>The map's name in the object.</summary>
    public string Name { get; }

    /// <summary>The map fd (borrowed from the object).</summary>
    public int Fd { get; }

    /// <summary>The kernel map type.</summary>
    public BpfMapType Type { get; }

    /// <summary>Capacity as created.</summary>
    public uint MaxEntries { get; }

    /// <summary>True for per-CPU maps, whose lookups return one value per possible CPU.</summary>
    public bool IsPerCpu { get; }

    /// <summary>Number of possible CPUs: the element count of a per-CPU value.</summary>
    public static int PossibleCpus => LazyCpus.Value;

    private static readonly Lazy<int> LazyCpus = new(() =>
    {
        var n = Interop.Libbpf.NumPossibleCpus();
        return n > 0 ? n : throw new BpfException("libbpf_num_possible_cpus failed", -n);
    });

    /// <summary>Reads a value; false when the key is absent.</summary>
    public bool TryLookup(in TKey key, out TValue value)
    {
        RequireShared();
        value = default;
        fixed (TKey* k = &key)
        fixed (TValue* v = &value)
            return Check(Interop.Libbpf.MapLookupElem(Fd, k, v), "lookup", Errno.ENOENT);
    }

    /// <summary>Reads every CPU's value of a per-CPU map into <paramref name="values"/> (length ≥ <see cref="PossibleCpus"/>).</summary>
    public bool LookupPerCpu(in TKey key, Span<TValue> values)
    {
        if (!IsPerCpu)
            throw new InvalidOperationException($"map '{Name}' is not a per-CPU map");
        // The kernel rounds each CPU's slot up to 8 bytes; require values that are already multiples of 8.
        if (sizeof(TValue) % 8 != 0)
            throw new InvalidOperationException($"per-CPU value {typeof(TValue).Name} must be a multiple of 8 bytes");
        if (values.Length < PossibleCpus)
            throw new ArgumentException($"need room for {PossibleCpus} per-CPU values", nameof(values));
        fixed (TKey* k = &key)
        fixed (TValue* v = values)
            return Check(Interop.Libbpf.MapLookupElem(Fd, k, v), "per-CPU lookup", Errno.ENOENT);
    }

    /// <summary>
    /// Atomically reads every CPU's value of a per-CPU hash entry and removes the entry (kernel ≥ 5.14); false when
    /// the key is absent. Packets counted between the read and the removal cannot be lost, unlike lookup + delete.
    /// </summary>
    public bool TryLookupAndDeletePerCpu(in TKey key, Span<TValue> values)
    {
        if (!IsPerCpu)
            throw new InvalidOperationException($"map '{Name}' is not a per-CPU map");
        if (sizeof(TValue) % 8 != 0)
            throw new InvalidOperationException($"per-CPU value {typeof(TValue).Name} must be a multiple of 8 bytes");
        if (values.Length < PossibleCpus)
            throw new ArgumentException($"need room for {PossibleCpus} per-CPU values", nameof(values));
        _owner.EnsureLoaded();
        fixed (TKey* k = &key)
        fixed (TValue* v = values)
            return Check(Interop.Libbpf.MapLookupAndDeleteElem(Fd, k, v), "per-CPU lookup-and-delete", Errno.ENOENT);
    }

    /// <summary>Creates or replaces an entry according to <paramref name="flags"/>.</summary>
    /// <exception cref="BpfException">The kernel refused (E2BIG when full, EEXIST/ENOENT per flags).</exception>
    public void Update(in TKey key, in TValue value, BpfUpdateFlags flags = BpfUpdateFlags.Any)
    {
        RequireShared();
        fixed (TKey* k = &key)
        fixed (TValue* v = &value)
            Check(Interop.Libbpf.MapUpdateElem(Fd, k, v, (ulong)flags), "update", 0);
    }

    /// <summary>Deletes an entry; false when it was absent.</summary>
    public bool Delete(in TKey key)
    {
        fixed (TKey* k = &key)
            return Check(Interop.Libbpf.MapDeleteElem(Fd, k), "delete", Errno.ENOENT);
    }

    /// <summary>
    /// Atomically reads and removes an entry; false when absent. On kernels without the hash-map command
    /// (before 5.14) it falls back to lookup then delete, and the delete decides who owns the entry.
    /// </summary>
    public bool TryLookupAndDelete(in TKey key, out TValue value)
    {
        RequireShared();
        value = default;
        fixed (TKey* k = &key)
        fixed (TValue* v = &value)
        {
            var rc = Interop.Libbpf.MapLookupAndDeleteElem(Fd, k, v);
            if (rc != -Errno.EINVAL && rc != -Errno.ENOTSUP)
                return Check(rc, "lookup-and-delete", Errno.ENOENT);
            if (!Check(Interop.Libbpf.MapLookupElem(Fd, k, v), "lookup", Errno.ENOENT))
                return false;
            return Check(Interop.Libbpf.MapDeleteElem(Fd, k), "delete", Errno.ENOENT);
        }
    }

    /// <summary>Enumerates the keys present now (a snapshot walk with get_next_key; entries may change meanwhile).</summary>
    public KeyEnumerable Keys => new(this);

    /// <summary>
    /// Reads up to <c>keys.Length</c> entries with one BPF_MAP_LOOKUP_BATCH call (kernel ≥ 5.6), continuing from
    /// <paramref name="cursor"/>. Returns how many were read; <see cref="BpfBatchCursor.IsDone"/> is set at the end.
    /// Throws <see cref="NotSupportedException"/> when the map or kernel has no batch operations
    /// (check <see cref="SupportsBatch"/>).
    /// </summary>
    public int LookupBatch(ref BpfBatchCursor cursor, Span<TKey> keys, Span<TValue> values, bool delete = false)
    {
        RequireShared();
        if (values.Length < keys.Length)
            throw new ArgumentException("values must be at least as long as keys", nameof(values));
        if (cursor.IsDone || keys.IsEmpty)
            return 0;
        return BatchCall(ref cursor, keys, values, delete, "batch lookup");
    }

    /// <summary>
    /// The per-CPU form of <see cref="LookupBatch"/>: <paramref name="values"/> holds <see cref="PossibleCpus"/>
    /// values per key (key i's CPUs at <c>[i * PossibleCpus, (i + 1) * PossibleCpus)</c>). With
    /// <paramref name="delete"/> the entries read are removed in the same call (BPF_MAP_LOOKUP_AND_DELETE_BATCH).
    /// Throws <see cref="NotSupportedException"/> when the kernel has no batch operations for the map, and a
    /// <see cref="BpfException"/> with ENOSPC when one hash bucket holds more entries than <paramref name="keys"/>.
    /// </summary>
    public int LookupBatchPerCpu(ref BpfBatchCursor cursor, Span<TKey> keys, Span<TValue> values, bool delete = false)
    {
        if (!IsPerCpu)
            throw new InvalidOperationException($"map '{Name}' is not a per-CPU map");
        if (sizeof(TValue) % 8 != 0)
            throw new InvalidOperationException($"per-CPU value {typeof(TValue).Name} must be a multiple of 8 bytes");
        if (values.Length < keys.Length * PossibleCpus)
            throw new ArgumentException($"values must hold {PossibleCpus} values per key", nameof(values));
        _owner.EnsureLoaded();
        if (cursor.IsDone || keys.IsEmpty)
            return 0;
        return BatchCall(ref cursor, keys, values, delete, "per-CPU batch lookup");
    }

    // One BPF_MAP_LOOKUP(_AND_DELETE)_BATCH call shared by the plain and per-CPU forms (the caller has checked the
    // buffer sizes): ENOENT ends the cursor, EINVAL/ENOTSUP mean the map or kernel has no batch operations.
    private int BatchCall(ref BpfBatchCursor cursor, Span<TKey> keys, Span<TValue> values, bool delete, string what)
    {
        var count = (uint)keys.Length;
        var outToken = default(BpfBatchCursor.Token);
        var inToken = cursor.Current;
        int rc;
        fixed (TKey* k = keys)
        fixed (TValue* v = values)
        {
            void* inPtr = cursor.Started ? &inToken : null;
            rc = delete
                ? Interop.Libbpf.MapLookupAndDeleteBatch(Fd, inPtr, &outToken, k, v, &count, null)
                : Interop.Libbpf.MapLookupBatch(Fd, inPtr, &outToken, k, v, &count, null);
        }
        if (rc == -Errno.ENOENT)
        {
            cursor = cursor with { IsDone = true };
            return (int)count;
        }
        if (rc == -Errno.EINVAL || rc == -Errno.ENOTSUP)
        {
            _batchSupported = false;
            throw new NotSupportedException($"map '{Name}' does not support batch operations");
        }
        Check(rc, what, 0);
        _batchSupported = true;
        cursor = new BpfBatchCursor(true, false, outToken);
        return (int)count;
    }

    /// <summary>True when a batch call succeeded, false when one was refused, null before any attempt.</summary>
    public bool? SupportsBatch => _batchSupported;

    private void RequireShared()
    {
        if (IsPerCpu)
            throw new InvalidOperationException($"map '{Name}' is per-CPU; use LookupPerCpu");
        _owner.EnsureLoaded();
    }

    private bool Check(int rc, string operation, int benignErrno)
    {
        if (rc == 0)
            return true;
        if (benignErrno != 0 && rc == -benignErrno)
            return false;
        throw new BpfException($"map '{Name}': {operation} failed", -rc);
    }

    /// <summary>Key enumeration over a map, without allocation.</summary>
    public readonly struct KeyEnumerable(BpfMap<TKey, TValue> map)
    {
        /// <summary>Gets the enumerator.</summary>
        public KeyEnumerator GetEnumerator() => new(map);
    }

    /// <summary>Walks keys with BPF_MAP_GET_NEXT_KEY.</summary>
    public struct KeyEnumerator(BpfMap<TKey, TValue> map)
    {
        private TKey _current;
        private bool _started;

        /// <summary>The current key.</summary>
        public readonly TKey Current => _current;

        /// <summary>Advances; false at the end of the map.</summary>
        public bool MoveNext()
        {
            TKey next;
            int rc;
            fixed (TKey* current = &_current)
                rc = Interop.Libbpf.MapGetNextKey(map.Fd, _started ? current : null, &next);
            if (rc == -Errno.ENOENT)
                return false;
            map.Check(rc, "get_next_key", 0);
            _current = next;
            _started = true;
            return true;
        }
    }
}

/// <summary>Position of a batch walk over a map; start with <c>default</c>.</summary>
public readonly record struct BpfBatchCursor(bool Started, bool IsDone, BpfBatchCursor.Token Current)
{
    /// <summary>Opaque kernel batch token (hash maps use a 4-byte bucket index; 8 bytes covers arrays too).</summary>
    [InlineArray(8)]
    public struct Token
    {
        private byte _first;
    }
}
