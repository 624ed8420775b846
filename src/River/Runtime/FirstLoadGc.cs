using System.Runtime;

namespace River.Runtime;

/// <summary>
/// Keeps the garbage collector out of the first load of a large configuration (<see cref="RunOptions.NoGcDuringFirstLoad"/>).
/// Nearly everything a first load allocates (syntax tree, decoded arguments, components) stays alive, so every
/// collection in the middle of it copies the new graph once more: with 10 000 components, three collections took
/// ≈ 110 ms of a ≈ 340 ms start. A no-GC region sized from the config's size lets the load finish without one; the
/// first collection after it (once the usual young-generation budget is used up) promotes the graph once.
/// Small configs never reach the young-generation budget during their load and are left alone.
/// </summary>
internal static class FirstLoadGc
{
    /// <summary>Bytes a first load allocates per byte of config text, with margin (measured: ≈ 90 for 10 000 discovery.relabel blocks).</summary>
    internal const long BytesPerConfigByte = 128;

    /// <summary>Below this estimate the load fits in the young-generation budget: no region.</summary>
    internal const long MinimumRegion = 32L << 20;

    /// <summary>The largest region asked for; a larger load collects as usual once the region is used up.</summary>
    internal const long MaximumRegion = 512L << 20;

    /// <summary>Enters a no-GC region sized for loading <paramref name="configPath"/>; true when one was entered.</summary>
    public static bool TryEnter(string configPath)
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

        var region = Math.Min(size * BytesPerConfigByte, MaximumRegion);
        if (region < MinimumRegion || GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            return false;
        }

        try
        {
            return GC.TryStartNoGCRegion(region);
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Leaves the region entered by <see cref="TryEnter"/> (if the load outgrew it, the GC already left it).</summary>
    public static void Exit(bool entered)
    {
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
