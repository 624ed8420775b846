using River.Runtime;

namespace River.Tests.Runtime;

public class FirstLoadGcTests
{
    private static readonly string[] Maps =
    [
        "55d0c0000000-55d0c0400000 r-xp 00000000 08:01 1234    /usr/bin/river",
        "55d0c1000000-55d0c1200000 rw-p 00000000 00:00 0       [heap]",
        "7f0000000000-7f0000400000 rw-p 00000000 00:00 0 ",
        "7f0000400000-7f0010000000 ---p 00000000 00:00 0",
        "7f0010000000-7f0010200000 rw-p 00000000 00:00 0",
        "7f0010200000-7f0010300000 r--p 00000000 08:01 99      /usr/lib/libc.so.6",
        "7f0020000000-7f0020100000 rw-p 00000000 00:00 0",
    ];

    [Fact]
    public void TheHeapRangeIsTheRunOfAdjacentAnonymousMappingsAroundTheAddress()
    {
        Assert.Equal((0x7f0000000000UL, 0x7f0010200000UL), HugePages.FindAnonymousRun(Maps, 0x7f0000400010));
        Assert.Equal((0x7f0000000000UL, 0x7f0010200000UL), HugePages.FindAnonymousRun(Maps, 0x7f00101fffff));
        Assert.Equal((0x7f0020000000UL, 0x7f0020100000UL), HugePages.FindAnonymousRun(Maps, 0x7f0020000000));
    }

    [Fact]
    public void FileMappingsNamedMappingsAndUnmappedAddressesGiveNothing()
    {
        Assert.Null(HugePages.FindAnonymousRun(Maps, 0x55d0c0000100));
        Assert.Null(HugePages.FindAnonymousRun(Maps, 0x55d0c1000100));
        Assert.Null(HugePages.FindAnonymousRun(Maps, 0x7f0010200000));
        Assert.Null(HugePages.FindAnonymousRun(Maps, 0x7f0030000000));
    }
}
