using River.Components.Prom.Relabel;
using Xunit;

namespace River.Tests.Prom;

/// <summary>Relabel regexes are compiled once per pattern and shared; invalid patterns are never cached.</summary>
public sealed class RelabelRegexCacheTests
{
    [Fact]
    public void TheSamePatternGivesOneSharedInstanceThatStillMatchesAnchored()
    {
        var first = RelabelRegex.TryCreate("cache-(a|b)+", out var error1);
        var second = RelabelRegex.TryCreate("cache-(a|b)+", out var error2);
        Assert.Null(error1);
        Assert.Null(error2);
        Assert.Same(first, second);
        Assert.True(second!.IsMatch("cache-abab"));
        Assert.False(second.IsMatch("xcache-ab"));
        Assert.False(second.IsMatch("cache-ab\n"));
    }

    [Fact]
    public void AnInvalidPatternReportsItsErrorEveryTime()
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(RelabelRegex.TryCreate("cache-(unclosed", out var error));
            Assert.StartsWith("invalid regex \"cache-(unclosed\"", error, StringComparison.Ordinal);
        }
    }
}
