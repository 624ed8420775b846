namespace River.Components.Prom.Exposition;

/// <summary>
/// A hash map keyed by raw bytes (a sample's <see cref="ExpositionParser.SeriesKey"/>), so a scrape finds the
/// series it already decoded last time without building a string. Not thread-safe: one per scrape loop.
/// </summary>
/// <typeparam name="TValue">What is cached per series.</typeparam>
public sealed class SeriesCache<TValue>
    where TValue : class
{
    private Entry?[] _buckets = new Entry?[1024];

    /// <summary>Number of entries.</summary>
    public int Count { get; private set; }

    /// <summary>Finds the entry for <paramref name="key"/>.</summary>
    public TValue? Get(ReadOnlySpan<byte> key)
    {
        var h = Hash(key);
        for (var e = _buckets[h & (_buckets.Length - 1)]; e is not null; e = e.Next)
        {
            if (e.Hash == h && key.SequenceEqual(e.Key))
            {
                return e.Value;
            }
        }

        return null;
    }

    /// <summary>Adds (or replaces) the entry for <paramref name="key"/>; the key bytes are copied.</summary>
    public void Set(ReadOnlySpan<byte> key, TValue value)
    {
        var h = Hash(key);
        ref var head = ref _buckets[h & (_buckets.Length - 1)];
        for (var e = head; e is not null; e = e.Next)
        {
            if (e.Hash == h && key.SequenceEqual(e.Key))
            {
                e.Value = value;
                return;
            }
        }

        head = new Entry(key.ToArray(), h, value, head);
        if (++Count > _buckets.Length)
        {
            Grow();
        }
    }

    /// <summary>Removes every entry for which <paramref name="remove"/> is true (each value is visited once).</summary>
    public void RemoveWhere(Func<TValue, bool> remove)
    {
        for (var i = 0; i < _buckets.Length; i++)
        {
            Entry? prev = null;
            for (var e = _buckets[i]; e is not null; e = e.Next)
            {
                if (remove(e.Value))
                {
                    if (prev is null)
                    {
                        _buckets[i] = e.Next;
                    }
                    else
                    {
                        prev.Next = e.Next;
                    }

                    Count--;
                }
                else
                {
                    prev = e;
                }
            }
        }
    }

    /// <summary>Every value.</summary>
    public IEnumerable<TValue> Values
    {
        get
        {
            foreach (var b in _buckets)
            {
                for (var e = b; e is not null; e = e.Next)
                {
                    yield return e.Value;
                }
            }
        }
    }

    /// <summary>Removes everything.</summary>
    public void Clear()
    {
        Array.Clear(_buckets);
        Count = 0;
    }

    private void Grow()
    {
        var nb = new Entry?[_buckets.Length * 2];
        foreach (var b in _buckets)
        {
            var e = b;
            while (e is not null)
            {
                var next = e.Next;
                ref var head = ref nb[e.Hash & (nb.Length - 1)];
                e.Next = head;
                head = e;
                e = next;
            }
        }

        _buckets = nb;
    }

    private static int Hash(ReadOnlySpan<byte> key)
    {
        var hc = default(HashCode);
        hc.AddBytes(key);
        return hc.ToHashCode();
    }

    private sealed class Entry(byte[] key, int hash, TValue value, Entry? next)
    {
        public byte[] Key { get; } = key;

        public int Hash { get; } = hash;

        public TValue Value { get; set; } = value;

        public Entry? Next { get; set; } = next;
    }
}
