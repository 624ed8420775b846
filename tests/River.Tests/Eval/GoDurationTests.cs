using River.Values;

namespace River.Tests.Eval;

public class GoDurationTests
{
    [Theory]
    [InlineData("10ms", 100_000L)]
    [InlineData("1h2m3s4ms", 37_230_040_000L)]
    [InlineData("1.5h", 54_000_000_000L)]
    [InlineData("-10s", -100_000_000L)]
    [InlineData("5s", 50_000_000L)]
    [InlineData("1h30m", 54_000_000_000L)]
    [InlineData("+15s", 150_000_000L)]
    [InlineData("999ns", 9L)]
    [InlineData("1us", 10L)]
    [InlineData("1µs", 10L)]
    [InlineData("2m0s", 1_200_000_000L)]
    [InlineData("9223372036854775807ns", 92_233_720_368_547_758L)]
    public void ParsesGoDurations(string text, long ticks)
    {
        Assert.True(GoDuration.TryParse(text, out var value, out var error), error);
        Assert.Equal(ticks, value.Ticks);
    }

    [Theory]
    [InlineData("10", "missing unit")]
    [InlineData("10x", "unknown unit \"x\"")]
    [InlineData("", "empty string")]
    [InlineData("10s-", "unknown unit \"s-\"")]
    [InlineData("-", "invalid syntax")]
    [InlineData("9223372036854775808ns", "out of range")]
    [InlineData("3000000h", "out of range")]
    public void RejectsBadDurationsWithAReason(string text, string reason)
    {
        Assert.False(GoDuration.TryParse(text, out _, out var error));
        Assert.Equal(reason, error);
    }

    [Fact]
    public void ParsingIsSafeFromManyThreadsAtOnce()
    {
        // The runtime decodes arguments off the publishing component's thread; parsers must be shareable.
        var failures = 0;
        Parallel.For(0, 2000, i =>
        {
            if (!GoDuration.TryParse(i % 2 == 0 ? "10ms" : "1h2m", out _, out _))
            {
                Interlocked.Increment(ref failures);
            }
        });
        Assert.Equal(0, failures);
    }
}
