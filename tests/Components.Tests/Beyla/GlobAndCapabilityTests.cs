using River.Components.Beyla;
using River.Components.Beyla.Attributes;
using River.Ebpf;

namespace River.Components.Tests.Beyla;

public class GlobAndCapabilityTests
{
    [Theory]
    [InlineData("/user/*", "/user/42", true)]
    [InlineData("/user/*", "/users/42", false)]
    [InlineData("{postgresql,mongodb}", "mongodb", true)]
    [InlineData("{postgresql,mongodb}", "mysql", false)]
    [InlineData("GE?", "GET", true)]
    [InlineData("[A-C]*", "Banana", true)]
    [InlineData("[!A-C]*", "Banana", false)]
    [InlineData("a.b", "axb", false)]
    [InlineData(@"a\*", "a*", true)]
    [InlineData("exact", "exact", true)]
    public void GlobsFollowTheGobwasDialect(string pattern, string value, bool expected)
    {
        Assert.Equal(expected, Glob.Create(pattern).IsMatch(value));
    }

    [Theory]
    [InlineData("{a,b")]
    [InlineData("a}")]
    [InlineData("[abc")]
    [InlineData("abc\\")]
    public void MalformedGlobsAreRejected(string pattern)
    {
        Assert.False(Glob.TryCreate(pattern, out _, out var error));
        Assert.Contains(pattern, error, StringComparison.Ordinal);
    }

    private static ulong Mask(params LinuxCapability[] caps) => caps.Aggregate(0UL, (m, c) => m | (1UL << (int)c));

    [Fact]
    public void MissingCapabilitiesAreListedInKernelOrder()
    {
        var have = new CapabilitySet(Mask(LinuxCapability.NetRaw, LinuxCapability.SysPtrace, LinuxCapability.Perfmon));
        var report = CapabilityCheck.Check(new BeylaArguments(), have);
        Assert.False(report.Ok);
        Assert.Equal([LinuxCapability.DacReadSearch, LinuxCapability.Bpf, LinuxCapability.CheckpointRestore], report.Missing);
        Assert.Equal("the following capabilities are required: CAP_DAC_READ_SEARCH, CAP_BPF, CAP_CHECKPOINT_RESTORE", report.Message);
    }

    [Fact]
    public void SysAdminOrTheFullSetPasses()
    {
        Assert.True(CapabilityCheck.Check(new BeylaArguments(), new CapabilitySet(Mask(LinuxCapability.SysAdmin))).Ok);
        var full = new CapabilitySet(Mask([.. CapabilitySet.TracerRequirements]));
        Assert.True(CapabilityCheck.Check(new BeylaArguments(), full).Ok);
    }

    [Fact]
    public void ContextPropagationAlsoNeedsNetAdmin()
    {
        var full = new CapabilitySet(Mask([.. CapabilitySet.TracerRequirements]));
        var args = new BeylaArguments();
        args.Ebpf.EnableContextPropagation = true;
        Assert.Equal([LinuxCapability.NetAdmin], CapabilityCheck.Check(args, full).Missing);
    }

    [Fact]
    public void TheCurrentProcessCanBeChecked()
    {
        // Reads the real /proc/self/status; the tests run as root here, which has every capability.
        var report = CapabilityCheck.CheckCurrent(new BeylaArguments());
        Assert.Equal(report.Missing.Count == 0, report.Ok);
        Assert.Equal(report.Ok, report.Message.Length == 0);
    }
}
