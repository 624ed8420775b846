using River.Ebpf.Tests.Support;

namespace River.Ebpf.Tests;

public sealed class ObjectAndMapTests
{
    [Fact]
    public void VerifierRejectionSurfacesTheVerifierLog()
    {
        using var obj = BpfObject.OpenEmbedded(typeof(ObjectAndMapTests).Assembly, "River.Bpf.verifier_reject.bpf.o");
        var error = Assert.Throws<BpfLoadException>(obj.Load);
        Assert.Equal(Errno.EACCES, error.Errno);
        Assert.Contains("missing_null_check", error.LibbpfLog, StringComparison.Ordinal);
        // The kernel's own words, from the verifier log: a map value that may be NULL was dereferenced.
        Assert.Contains("invalid mem access 'map_value_or_null'", error.VerifierLog, StringComparison.Ordinal);
        Assert.Contains(error.VerifierLog, error.Message, StringComparison.Ordinal);
        Assert.False(obj.IsLoaded);
    }

    [Fact]
    public void GarbageIsRejectedAtOpenWithAClearError()
    {
        var error = Assert.Throws<BpfException>(() => BpfObject.OpenMemory("not an ELF file at all"u8, "garbage"));
        Assert.Contains("opening BPF object 'garbage' failed", error.Message, StringComparison.Ordinal);
        Assert.NotEqual(0, error.Errno);
        Assert.Throws<ArgumentException>(() => BpfObject.OpenMemory([], "empty"));
    }

    [Fact]
    public void MissingResourceNamesTheBuildPrerequisites()
    {
        var error = Assert.Throws<BpfException>(() => BpfObject.OpenEmbedded(typeof(ObjectAndMapTests).Assembly, "River.Bpf.nope.bpf.o"));
        Assert.Contains("clang-14", error.Message, StringComparison.Ordinal);
    }

    private static BpfObject OpenCounter() =>
        BpfObject.OpenEmbedded(typeof(ObjectAndMapTests).Assembly, "River.Bpf.tracepoint_counter.bpf.o");

    [Fact]
    public void AdjustmentsBeforeLoadAreAppliedAndChecked()
    {
        using var obj = HttpCapture.Open();
        obj.SetMaxEntries("conns", 64);
        obj.SetGlobal("wakeup_data_bytes", 4096UL);
        Assert.Throws<ArgumentException>(() => obj.SetGlobal("wakeup_data_bytes", 1u));
        Assert.Throws<ArgumentException>(() => obj.SetGlobal("no_such_global", 1UL));
        Assert.Throws<ArgumentException>(() => obj.SetMaxEntries("no_such_map", 1));
        Assert.Throws<InvalidOperationException>(() => obj.GetMap<uint, ulong>("pid_filter"));
        obj.Load();
        Assert.Throws<InvalidOperationException>(() => obj.SetMaxEntries("conns", 8));
        var conns = obj.GetMap<ulong, ConnState>("conns");
        Assert.Equal(64u, conns.MaxEntries);
        Assert.Equal(BpfMapType.LruHash, conns.Type);
        Assert.Throws<ArgumentException>(() => obj.GetMap<ulong, ulong>("pid_filter"));
        Assert.Throws<ArgumentException>(() => obj.GetMap<uint, byte>("pid_filter"));
    }

    [Fact]
    public void TypedMapSupportsLookupUpdateDeleteAndIteration()
    {
        using var obj = OpenCounter();
        obj.Load();
        var map = obj.GetMap<uint, ulong>("table");
        Assert.False(map.TryLookup(42, out _));
        map.Update(42, 7);
        Assert.True(map.TryLookup(42, out var value));
        Assert.Equal(7UL, value);
        var exists = Assert.Throws<BpfException>(() => map.Update(42, 8, BpfUpdateFlags.NoExist));
        Assert.Equal(Errno.EEXIST, exists.Errno);
        map.Update(42, 9, BpfUpdateFlags.Exist);
        Assert.True(map.TryLookupAndDelete(42, out value));
        Assert.Equal(9UL, value);
        Assert.False(map.TryLookupAndDelete(42, out _));
        Assert.False(map.Delete(42));

        for (uint k = 1; k <= 100; k++)
            map.Update(k, k * 3);
        var full = Assert.Throws<BpfException>(() => map.Update(1000, 1));
        Assert.Equal(Errno.E2BIG, full.Errno);

        var keys = new List<uint>();
        foreach (var key in map.Keys)
            keys.Add(key);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (uint)i), keys.Order());
    }

    [Fact]
    public void BatchLookupReadsEveryEntryInChunks()
    {
        using var obj = OpenCounter();
        obj.Load();
        var map = obj.GetMap<uint, ulong>("table");
        for (uint k = 1; k <= 50; k++)
            map.Update(k, k * 10);
        var seen = new Dictionary<uint, ulong>();
        var cursor = default(BpfBatchCursor);
        Span<uint> keys = stackalloc uint[16];
        Span<ulong> values = stackalloc ulong[16];
        var calls = 0;
        while (!cursor.IsDone && calls++ < 100)
        {
            var n = map.LookupBatch(ref cursor, keys, values);
            for (var i = 0; i < n; i++)
                seen[keys[i]] = values[i];
        }
        Assert.True(map.SupportsBatch);
        Assert.Equal(50, seen.Count);
        Assert.All(seen, kv => Assert.Equal(kv.Key * 10UL, kv.Value));

        // Lookup-and-delete in batches empties the map.
        cursor = default;
        var deleted = 0;
        calls = 0;
        while (!cursor.IsDone && calls++ < 100)
            deleted += map.LookupBatch(ref cursor, keys, values, delete: true);
        Assert.Equal(50, deleted);
        var left = 0;
        foreach (var _ in map.Keys)
            left++;
        Assert.Equal(0, left);
    }

    [Fact]
    public void BitmapOverAnArrayMapAddsRemovesAndBoundsMembers()
    {
        using var obj = OpenCounter();
        obj.Load();
        var bitmap = new BpfBitmap(obj.GetMap<uint, ulong>("words"));
        Assert.Equal(256UL, bitmap.Capacity);
        Assert.True(bitmap.Add(0));
        Assert.True(bitmap.Add(65));
        Assert.True(bitmap.Add(255));
        Assert.False(bitmap.Add(65));
        Assert.True(bitmap.Contains(65));
        Assert.False(bitmap.Contains(64));
        Assert.True(obj.GetMap<uint, ulong>("words").TryLookup(1, out var word));
        Assert.Equal(1UL << 1, word);
        Assert.True(bitmap.Remove(65));
        Assert.False(bitmap.Remove(65));
        Assert.False(bitmap.Contains(65));
        Assert.Throws<ArgumentOutOfRangeException>(() => bitmap.Add(256));
        Assert.Throws<ArgumentException>(() => new BpfBitmap(obj.GetMap<uint, ulong>("table")));
    }

    [Fact]
    public void PerCpuMapsAreReadPerCpuAndRefuseSharedLookups()
    {
        using var obj = HttpCapture.Open();
        obj.Load();
        var stats = obj.GetMap<uint, ulong>("stats");
        Assert.True(stats.IsPerCpu);
        Assert.True(BpfMap<uint, ulong>.PossibleCpus >= Environment.ProcessorCount);
        var perCpu = new ulong[BpfMap<uint, ulong>.PossibleCpus];
        Assert.True(stats.LookupPerCpu(0, perCpu));
        Assert.All(perCpu, v => Assert.Equal(0UL, v));
        Assert.Throws<InvalidOperationException>(() => stats.TryLookup(0, out _));
    }
}

/// <summary>The size of <c>struct conn_state</c> (kernel-side only; its fields are not read here).</summary>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential, Size = 88)]
internal struct ConnState
{
    public ulong Id;
}
