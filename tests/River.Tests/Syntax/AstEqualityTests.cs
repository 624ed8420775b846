using River.Syntax;

namespace River.Tests.Syntax;

public sealed class AstEqualityTests
{
    private static ConfigFile Parse(string text) => RiverParser.Parse("t.alloy", text).File!;

    [Fact]
    public void LayoutDoesNotMatter()
    {
        var a = Parse("blk \"x\" {\n  a = [1, 2,]\n  b = { k = f(1) }\n}\n");
        var b = Parse("blk   \"x\"   { \n\n\ta=[\n1,\n2,\n]\n\tb={k=f(\n1,\n)}\n}");
        Assert.True(AstEquality.AreEqual(a, b));
        Assert.Equal(AstPrinter.Dump(a), AstPrinter.Dump(b));
    }

    [Fact]
    public void DifferentOperatorsOrValuesAreDifferent()
    {
        Assert.False(AstEquality.AreEqual(Parse("a = 1 + 2"), Parse("a = 1 - 2")));
        Assert.False(AstEquality.AreEqual(Parse("a = 1"), Parse("a = 01")));
        Assert.False(AstEquality.AreEqual(Parse("a = (1)"), Parse("a = 1")));
        Assert.False(AstEquality.AreEqual(Parse("a \"x\" {}"), Parse("a \"y\" {}")));
    }

    [Fact]
    public void CommentsCountUnlessIgnored()
    {
        var a = Parse("a = 1 // x\n");
        var b = Parse("a = 1\n");
        Assert.False(AstEquality.Default.Equals(a, b));
        Assert.True(AstEquality.IgnoringComments.Equals(a, b));
    }
}
