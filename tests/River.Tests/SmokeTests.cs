using River.Diagnostics;

namespace River.Tests;

public class SourceFileTests
{
    [Fact]
    public void LineAndColumnAreOneBased()
    {
        var file = new SourceFile("a.alloy", "ab\ncd\n");
        Assert.Equal((1, 1), file.GetLineColumn(0));
        Assert.Equal((2, 2), file.GetLineColumn(4));
        Assert.Equal("cd", file.GetLine(2));
        Assert.Equal("a.alloy:2:1", file.Describe(3));
    }
}
