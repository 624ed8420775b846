using River.Diagnostics;

namespace River.Tests.Syntax;

public sealed class SuggestTests
{
    [Theory]
    [InlineData("open_prot", "open_port")]
    [InlineData("open_pots", "open_ports")]
    [InlineData("forwad_to", "forward_to")]
    [InlineData("Targets", "targets")]
    [InlineData("scrape_intervl", "scrape_interval")]
    public void FindsTheClosestName(string input, string expected)
    {
        string[] candidates = ["open_port", "open_ports", "forward_to", "targets", "scrape_interval", "scrape_timeout"];
        Assert.Equal(expected, Suggest.Closest(input, candidates));
    }

    [Fact]
    public void ReturnsNullWhenNothingIsClose()
    {
        Assert.Null(Suggest.Closest("completely_different", ["open_port", "targets"]));
        Assert.Null(Suggest.Closest("x", []));
        Assert.Null(Suggest.DidYouMean("abc", ["xyz"]));
    }

    [Fact]
    public void TiesAreBrokenByOrdinalOrder()
    {
        Assert.Equal("bb", Suggest.Closest("ab", ["cb", "bb"]));
    }

    [Theory]
    [InlineData("", "", 0)]
    [InlineData("abc", "abc", 0)]
    [InlineData("abc", "acb", 1)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("", "abc", 3)]
    public void DistanceIsOptimalStringAlignment(string a, string b, int expected)
    {
        Assert.Equal(expected, Suggest.Distance(a, b));
        Assert.Equal(expected, Suggest.Distance(b, a));
    }

    [Fact]
    public void DidYouMeanFormatsAHint()
    {
        Assert.Equal("did you mean \"open_port\"?", Suggest.DidYouMean("open_prot", ["open_port"]));
    }
}
