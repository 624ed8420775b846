namespace River.Syntax;

/// <summary>
/// Shares the strings of texts that repeat in configurations (attribute and component names, label values, short
/// literals): a direct-mapped table, one per thread, where a text whose slot holds an equal string gets that string
/// and any other text gets a new string that takes the slot. Unlike a hash set it never grows and costs nothing per
/// distinct text, so unique texts (addresses, paths) can go through it too; a text that keeps coming back loses its
/// slot only to another text with the same hash, and then costs one string more. Sharing is an optimisation only:
/// the strings are equal either way.
/// </summary>
internal sealed class StringCache
{
    // Texts longer than this are rarely repeated and take longer to hash: always new strings.
    private const int MaxLength = 64;

    // A power of two: 64 KiB of slots (reference and hash) per thread that parses.
    private const int Size = 4096;

    [ThreadStatic]
    private static StringCache? t_forThread;

    // Each slot keeps its string's hash next to it, so that a text meeting another text's slot (most unique texts:
    // addresses, labels) is told apart without reading that string, which by then is usually out of the cache.
    private readonly Slot[] _slots = new Slot[Size];

    /// <summary>The calling thread's cache.</summary>
    public static StringCache ForThisThread => t_forThread ??= new StringCache();

    /// <summary>A string equal to <paramref name="text"/>, shared with earlier calls when the slot holds it.</summary>
    public string Get(ReadOnlySpan<char> text)
    {
        if (text.Length > MaxLength)
        {
            return text.ToString();
        }

        // FNV-1a over the UTF-16 code units: cheap for short texts, and collisions only cost sharing.
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        ref var slot = ref _slots[(hash ^ (hash >> 16)) & (Size - 1)];
        if (slot.Hash == hash && slot.Text is { } found && text.SequenceEqual(found))
        {
            return found;
        }

        var made = text.ToString();
        slot = new Slot(made, hash);
        return made;
    }

    private readonly record struct Slot(string? Text, uint Hash);
}
