using System.Text;
using CsCheck;
using River.Syntax;

namespace River.Tests.Syntax;

/// <summary>
/// Hostile input must end in diagnostics, never in an exception or a stack overflow (which .NET cannot catch, so
/// these would take the whole test run down).
/// </summary>
public sealed class ParserRobustnessTests
{
    private const int Deep = 100_000;

    [Fact]
    public void RandomBytesNeverCrashTheParser()
    {
        Gen.Byte.Array[0, 400].Sample(
            bytes =>
            {
                var result = RiverParser.Parse("random.alloy", bytes);
                Assert.Equal(result.File is null, result.Diagnostics.Count > 0);
            },
            iter: 3000);
    }

    [Fact]
    public void RandomRiverTokensNeverCrashTheParser()
    {
        // Random sequences of real tokens reach much deeper into the grammar than random bytes do.
        var tokens = new[]
        {
            "a", "b.c", "\"s\"", "`r`", "1", "2.5", "true", "null", "=", "==", "!=", "<", ">=", "+", "-", "*", "/", "%", "^",
            "!", "&&", "||", "(", ")", "[", "]", "{", "}", ",", ".", "\n", " ", "// c\n", "/* c */", "\"l\" {",
        };
        Gen.Int[0, tokens.Length - 1].Array[0, 60].Sample(
            picks =>
            {
                var text = string.Concat(picks.Select(i => tokens[i] + " "));
                var result = RiverParser.Parse("tokens.alloy", text);
                Assert.Equal(result.File is null, result.Diagnostics.Count > 0);
                if (result.File is not null)
                {
                    // Whatever parses must dump without trouble.
                    Assert.NotNull(AstPrinter.Dump(result.File));
                }
            },
            iter: 5000);
    }

    [Theory]
    [InlineData("(", ")")]
    [InlineData("[", "]")]
    [InlineData("{", "}")]
    public void HundredThousandNestedBracketsGiveANestingDiagnostic(string open, string close)
    {
        var text = "a = " + string.Concat(Enumerable.Repeat(open, Deep)) + "1" + string.Concat(Enumerable.Repeat(close, Deep));
        var result = RiverParser.Parse("deep.alloy", text);
        Assert.Null(result.File);
        Assert.Contains(result.Diagnostics, d => d.Message == $"nesting of brackets exceeds the limit of {SyntaxLimits.MaxBracketDepth}");
    }

    [Fact]
    public void HundredThousandNestedBlocksGiveANestingDiagnostic()
    {
        var text = string.Concat(Enumerable.Repeat("b {\n", Deep)) + string.Concat(Enumerable.Repeat("}\n", Deep));
        var result = RiverParser.Parse("deep.alloy", text);
        Assert.Null(result.File);
        Assert.Contains(result.Diagnostics, d => d.Message.StartsWith("nesting of brackets exceeds", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("+")]
    [InlineData("^")]
    [InlineData("||")]
    [InlineData("*")]
    public void HundredThousandChainedOperatorsGiveADepthDiagnostic(string op)
    {
        var text = "a = " + string.Join(op, Enumerable.Repeat("2", Deep)) + "\n";
        var result = RiverParser.Parse("chain.alloy", text);
        Assert.Null(result.File);
        var d = Assert.Single(result.Diagnostics);
        Assert.Equal($"expression nesting exceeds the limit of {SyntaxLimits.MaxExpressionDepth}", d.Message);
    }

    [Theory]
    [InlineData("!")]
    [InlineData("-")]
    public void HundredThousandUnaryOperatorsGiveADepthDiagnostic(string op)
    {
        var text = "a = " + string.Concat(Enumerable.Repeat(op, Deep)) + "x\n";
        var result = RiverParser.Parse("unary.alloy", text);
        Assert.Null(result.File);
        Assert.Contains(result.Diagnostics, d => d.Message.StartsWith("expression nesting exceeds", StringComparison.Ordinal));
    }

    [Fact]
    public void ExpressionsJustUnderTheLimitsParse()
    {
        var chain = "a = " + string.Join("+", Enumerable.Repeat("1", SyntaxLimits.MaxExpressionDepth / 2)) + "\n";
        Assert.True(RiverParser.Parse("ok.alloy", chain).Success);

        var brackets = "a = " + new string('[', 500) + new string(']', 500) + "\n";
        Assert.True(RiverParser.Parse("ok.alloy", brackets).Success);
    }

    [Fact]
    public void TenMegabyteConfigurationParses()
    {
        var text = GeneratedConfig.Build(targetBytes: 10 * 1024 * 1024);
        Assert.True(text.Length >= 10 * 1024 * 1024);
        var result = RiverParser.Parse("big.alloy", text);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics.Take(5)));
        Assert.True(result.File!.Body.Length > 10_000);
    }

    [Fact]
    public void TenMegabytesOfGarbageGiveABoundedNumberOfDiagnostics()
    {
        var random = new Random(42);
        var bytes = new byte[10 * 1024 * 1024];
        random.NextBytes(bytes);
        var result = RiverParser.Parse("garbage.alloy", bytes);
        Assert.Null(result.File);
        Assert.InRange(result.Diagnostics.Count, 1, SyntaxLimits.MaxErrors + 1);
        Assert.StartsWith("too many errors", result.Diagnostics[^1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TenMegabytesOfOneLineGiveADiagnostic()
    {
        var text = "a = \"" + new string('x', 10 * 1024 * 1024);
        var result = RiverParser.Parse("line.alloy", Encoding.UTF8.GetBytes(text));
        Assert.Null(result.File);
        Assert.Contains(result.Diagnostics, d => d.Message == "string literal not terminated");
    }
}

/// <summary>Generates realistic configurations of a given size (also used by the benchmarks' shape).</summary>
internal static class GeneratedConfig
{
    public static string Build(int targetBytes)
    {
        var sb = new StringBuilder(targetBytes + 1024);
        var i = 0;
        while (sb.Length < targetBytes)
        {
            sb.Append("prometheus.scrape \"job_").Append(i).Append("\" {\n")
              .Append("\ttargets = [{\"__address__\" = \"host-").Append(i).Append(":9090\", env = \"prod\"}]\n")
              .Append("\tforward_to = [prometheus.remote_write.default.receiver]\n")
              .Append("\tscrape_interval = \"15s\"\n")
              .Append("\tlimit = ").Append(i % 100).Append(" * 2 + 1\n")
              .Append("\tenabled = !false && true\n")
              .Append("}\n\n");
            i++;
        }

        return sb.ToString();
    }
}
