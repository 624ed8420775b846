using System.Runtime.InteropServices;

namespace River.Ebpf.Tests;

public sealed partial class SupportTests
{
    [Fact]
    public void SupportProbeFindsLibbpfOneAndKernelBtf()
    {
        var status = EbpfSupport.Status;
        Assert.True(status.IsSupported, status.Reason);
        Assert.Equal(string.Empty, status.Reason);
        Assert.NotNull(status.LibbpfVersion);
        Assert.Equal(1, status.LibbpfVersion!.Major);
        Assert.True(status.HasBtf);
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), status.KernelRelease);
    }

    [Theory]
    [InlineData("6.1.0-18-amd64", 6, 1)]
    [InlineData("5.8.0", 5, 8)]
    [InlineData("6.18.44-fc-v782", 6, 18)]
    public void KernelReleasesParseToMajorAndMinor(string release, int major, int minor) =>
        Assert.Equal(new Version(major, minor), EbpfSupport.ParseKernelVersion(release));

    [Fact]
    public void CapabilitiesAreReadFromTheCapEffLine()
    {
        // CAP_BPF (39) and CAP_NET_RAW (13) only.
        var set = CapabilitySet.FromStatusText("Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t0000008000002000\n");
        Assert.True(set.Has(LinuxCapability.Bpf));
        Assert.True(set.Has(LinuxCapability.NetRaw));
        Assert.False(set.Has(LinuxCapability.Perfmon));
        var missing = set.Missing(CapabilitySet.TracerRequirements);
        Assert.Equal("CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE, CAP_PERFMON, CAP_CHECKPOINT_RESTORE", CapabilitySet.Describe(missing));
    }

    [Fact]
    public void SysAdminSatisfiesEveryRequirement()
    {
        var set = new CapabilitySet(1UL << (int)LinuxCapability.SysAdmin);
        Assert.Empty(set.Missing(CapabilitySet.TracerRequirements));
    }

    [Fact]
    public void MalformedStatusTextIsAFormatError()
    {
        Assert.Throws<FormatException>(() => CapabilitySet.FromStatusText("Name:\tx\n"));
        Assert.Throws<FormatException>(() => CapabilitySet.FromStatusText("CapEff:\tzz\n"));
    }

    [Fact]
    public void RootHasEveryTracerCapability()
    {
        var current = CapabilitySet.Current();
        Assert.Empty(current.Missing(CapabilitySet.TracerRequirements));
        Assert.True(current.Has(LinuxCapability.Bpf));
    }

    [Fact]
    public void TracepointProgramAttachesByNameAndBySectionWithTracefsMounted()
    {
        Tracefs.EnsureMounted();
        Assert.True(Tracefs.IsMounted);
        using var obj = BpfObject.OpenEmbedded(typeof(SupportTests).Assembly, "River.Bpf.tracepoint_counter.bpf.o");
        obj.SetGlobal("only_tgid", (uint)Environment.ProcessId);
        obj.Load();
        var calls = obj.GetMap<uint, ulong>("calls");
        var program = obj.GetProgram("count_getppid");
        Assert.Equal("tracepoint/syscalls/sys_enter_getppid", program.Section);

        using (program.AttachTracepoint("syscalls", "sys_enter_getppid"))
        {
            for (var i = 0; i < 5; i++)
                GetParentPid();
        }
        Assert.True(calls.TryLookup(0, out var afterExplicit));
        Assert.Equal(5UL, afterExplicit);

        // Detached: calls are no longer counted.
        GetParentPid();
        Assert.True(calls.TryLookup(0, out var detached));
        Assert.Equal(5UL, detached);

        using (program.Attach())
        {
            for (var i = 0; i < 3; i++)
                GetParentPid();
        }
        Assert.True(calls.TryLookup(0, out var afterGeneric));
        Assert.Equal(8UL, afterGeneric);
    }

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetParentPid();
}
