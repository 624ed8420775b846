namespace River.Ebpf;

/// <summary>
/// A set of small integers (PIDs, ports, …) kept as a bitmap in a BPF_MAP_TYPE_ARRAY of u64 words: bit
/// <c>n % 64</c> of word <c>n / 64</c>. BPF programs test membership with an array lookup, which the verifier
/// inlines, so the check costs a few instructions. Updates are read-modify-write of one word: serialise writers
/// (this class locks; do not share the map with other writers).
/// </summary>
public sealed class BpfBitmap
{
    private readonly BpfMap<uint, ulong> _words;
    private readonly Lock _gate = new();

    /// <summary>Wraps an array map of u64 words.</summary>
    public BpfBitmap(BpfMap<uint, ulong> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        if (words.Type != BpfMapType.Array)
            throw new ArgumentException($"map '{words.Name}' is {words.Type}, a bitmap needs an Array map", nameof(words));
        _words = words;
    }

    /// <summary>Largest member + 1 that fits.</summary>
    public ulong Capacity => (ulong)_words.MaxEntries * 64;

    /// <summary>Words needed for members below <paramref name="limit"/> (for sizing the map before load).</summary>
    public static uint WordsFor(ulong limit) => (uint)((limit + 63) / 64);

    /// <summary>Adds a member; false when it was already present.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The member does not fit the map.</exception>
    public bool Add(uint member) => Change(member, set: true);

    /// <summary>Removes a member; false when it was absent.</summary>
    public bool Remove(uint member) => member < Capacity && Change(member, set: false);

    /// <summary>True when the member is present.</summary>
    public bool Contains(uint member) =>
        member < Capacity && _words.TryLookup(member / 64, out var word) && (word & (1UL << (int)(member % 64))) != 0;

    private bool Change(uint member, bool set)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((ulong)member, Capacity, nameof(member));
        var index = member / 64;
        var bit = 1UL << (int)(member % 64);
        lock (_gate)
        {
            _words.TryLookup(index, out var word);
            var updated = set ? word | bit : word & ~bit;
            if (updated == word)
                return false;
            _words.Update(index, updated);
            return true;
        }
    }
}
