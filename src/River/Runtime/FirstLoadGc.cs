using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;

namespace River.Runtime;

/// <summary>
/// Keeps the garbage collector out of the first load of a large configuration (<see cref="RunOptions.NoGcDuringFirstLoad"/>).
/// Nearly everything a first load allocates (syntax tree, decoded arguments, components) stays alive, so every
/// collection in the middle of it copies the new graph once more: with 10 000 components, three collections took
/// ≈ 110 ms of a ≈ 340 ms start. A no-GC region sized from the config's size lets the load finish without one; the
/// first collection after it (once the usual young-generation budget is used up) promotes the graph once.
/// Small configs never reach the young-generation budget during their load and are left alone.
/// <para>
/// On Linux the managed heap's address range is also advised to use transparent huge pages for the duration of
/// that load (<c>madvise(MADV_HUGEPAGE)</c>, undone with <c>MADV_NOHUGEPAGE</c> when it ends): without a collection
/// the load touches fresh memory throughout, and faulting it in 4 KiB pages was ≈ 25 % of the CPU of a
/// 10 000-component start. Pages faulted in during the load stay huge; later ones are ordinary pages. With the
/// kernel's THP mode <c>never</c>, the advice has no effect.
/// </para>
/// </summary>
internal static class FirstLoadGc
{
    private static (nint Start, nuint Length)? _advised;

    /// <summary>Bytes a first load allocates per byte of config text, with margin (measured: ≈ 90 for 10 000 discovery.relabel blocks).</summary>
    internal const long BytesPerConfigByte = 128;

    /// <summary>
    /// Bytes <c>river validate</c> allocates per byte of config text, with margin (measured: ≈ 15 for 10 000
    /// discovery.relabel blocks: no component is built). Every megabyte of region is committed up front.
    /// </summary>
    internal const long ValidateBytesPerConfigByte = 32;

    /// <summary>Below this estimate the load fits in the young-generation budget: no region.</summary>
    internal const long MinimumRegion = 32L << 20;

    /// <summary>The largest region asked for; a larger load collects as usual once the region is used up.</summary>
    internal const long MaximumRegion = 512L << 20;

    /// <summary>
    /// Enters a no-GC region sized for loading <paramref name="configPath"/> (<paramref name="bytesPerConfigByte"/> per
    /// byte of text); true when one was entered. Whether to enter one at all is decided by the first load's estimate.
    /// </summary>
    public static bool TryEnter(string configPath, long bytesPerConfigByte = BytesPerConfigByte)
    {
        long size = 0;
        try
        {
            foreach (var file in ConfigReader.FilesOf(configPath))
            {
                size += new FileInfo(file).Length;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        if (size * BytesPerConfigByte < MinimumRegion || GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            return false;
        }

        var region = Math.Clamp(size * bytesPerConfigByte, MinimumRegion, MaximumRegion);

        try
        {
            if (!GC.TryStartNoGCRegion(region))
            {
                return false;
            }

            _advised = OperatingSystem.IsLinux() ? HugePages.Advise() : null;
            return true;
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Leaves the region entered by <see cref="TryEnter"/> (if the load outgrew it, the GC already left it).</summary>
    public static void Exit(bool entered)
    {
        if (_advised is { } range)
        {
            HugePages.Unadvise(range);
            _advised = null;
        }

        if (!entered || GCSettings.LatencyMode != GCLatencyMode.NoGCRegion)
        {
            return;
        }

        try
        {
            GC.EndNoGCRegion();
        }
        catch (InvalidOperationException)
        {
            // The region ended by itself (a collection happened); nothing to undo.
        }
    }
}

/// <summary>
/// Transparent huge pages for the managed heap's address range (Linux). The range is found from the address of a
/// fresh heap object in <c>/proc/self/maps</c>: the run of adjacent anonymous mappings around it, i.e. the GC's
/// reservation with its committed and reserved parts.
/// </summary>
internal static partial class HugePages
{
    private const int MadvHugePage = 14;
    private const int MadvNoHugePage = 15;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int madvise(nint address, nuint length, int advice);

    /// <summary>Advises huge pages over the heap's range; the range, or null when it could not be found or advised.</summary>
    public static (nint Start, nuint Length)? Advise()
    {
        try
        {
            var probe = new byte[16];
            var handle = GCHandle.Alloc(probe, GCHandleType.Pinned);
            ulong address;
            try
            {
                address = (ulong)handle.AddrOfPinnedObject();
            }
            finally
            {
                handle.Free();
            }

            if (FindAnonymousRun(File.ReadLines("/proc/self/maps"), address) is not { } run)
            {
                return null;
            }

            var range = ((nint)run.Start, (nuint)(run.End - run.Start));
            return madvise(range.Item1, range.Item2, MadvHugePage) == 0 ? range : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException or FormatException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>Withdraws the advice (pages already huge stay so).</summary>
    public static void Unadvise((nint Start, nuint Length) range)
    {
        try
        {
            _ = madvise(range.Start, range.Length, MadvNoHugePage);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // Advise succeeded, so this cannot happen; nothing to undo otherwise.
        }
    }

    /// <summary>
    /// In <c>/proc/self/maps</c> lines, the mapping holding <paramref name="address"/> widened to the adjacent
    /// mappings without a backing path (anonymous), or null when the address is in none or in a file mapping.
    /// </summary>
    internal static (ulong Start, ulong End)? FindAnonymousRun(IEnumerable<string> maps, ulong address)
    {
        var mappings = new List<(ulong Start, ulong End, bool Anonymous)>();
        foreach (var line in maps)
        {
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 5)
            {
                continue;
            }

            var dash = fields[0].IndexOf('-', StringComparison.Ordinal);
            var start = ulong.Parse(fields[0].AsSpan(0, dash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            var end = ulong.Parse(fields[0].AsSpan(dash + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            mappings.Add((start, end, fields.Length == 5 || string.IsNullOrWhiteSpace(fields[5])));
        }

        var at = mappings.FindIndex(m => m.Start <= address && address < m.End);
        if (at < 0 || !mappings[at].Anonymous)
        {
            return null;
        }

        var first = at;
        var last = at;
        while (first > 0 && mappings[first - 1].Anonymous && mappings[first - 1].End == mappings[first].Start)
        {
            first--;
        }

        while (last + 1 < mappings.Count && mappings[last + 1].Anonymous && mappings[last + 1].Start == mappings[last].End)
        {
            last++;
        }

        return (mappings[first].Start, mappings[last].End);
    }
}
