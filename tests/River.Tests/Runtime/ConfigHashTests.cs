using System.Security.Cryptography;
using System.Text;
using River.Runtime;

namespace River.Tests.Runtime;

/// <summary>The config hashes are computed piecewise; they must equal SHA-256 over the UTF-8 of the whole text.</summary>
public class ConfigHashTests
{
    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    // Larger than the 16 KiB encoding buffer, with non-ASCII text and a surrogate pair across a buffer boundary.
    private static readonly string Large = new string('a', 16 * 1024 - 1) + "\U0001F30A é ü " + new string('b', 40_000) + "\U0001F30A";

    [Theory]
    [InlineData("")]
    [InlineData("discovery.relabel \"a\" { targets = [] }\n")]
    [InlineData("ünïcödé \U0001F30A")]
    public void MetricsHashIsSha256OfTheUtf8(string text)
    {
        Assert.Equal(Sha256(text), RuntimeMetrics.Hash([text]));
    }

    [Fact]
    public void MetricsHashOfSeveralTextsIsSha256OfTheirConcatenation()
    {
        Assert.Equal(Sha256(Large + "second\n"), RuntimeMetrics.Hash([Large, "second\n"]));
    }

    [Fact]
    public void SnapshotHashCoversPathsAndTexts()
    {
        var snapshot = ConfigReader.FromTexts([("a.alloy", Large), ("dir/ß.alloy", "logging { }\n")]);
        Assert.Equal(Sha256("a.alloy\0" + Large + "dir/ß.alloy\0logging { }\n"), snapshot.Hash);
        Assert.NotEqual(snapshot.Hash, ConfigReader.FromTexts([("b.alloy", Large), ("dir/ß.alloy", "logging { }\n")]).Hash);
    }

    [Fact]
    public void LoneSurrogatesHashAsTheirReplacement()
    {
        var text = "x\uD83C";
        Assert.Equal(Sha256(text), RuntimeMetrics.Hash([text]));
        Assert.Equal(Sha256("p\uD83C\0" + text), ConfigReader.FromTexts([("p\uD83C", text)]).Hash);
    }
}
