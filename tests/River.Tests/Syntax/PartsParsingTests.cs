using System.Text;
using CsCheck;
using River.Diagnostics;
using River.Syntax;

namespace River.Tests.Syntax;

/// <summary>
/// A large file is parsed in parts on several cores when it can be cut between top-level statements
/// (<c>RiverParser.ParseInParts</c>). The parts must give exactly the whole-file parse (same AST, spans and comments)
/// or nothing (the file is then parsed whole): never a different tree, and never a tree for a file with an error.
/// </summary>
public sealed class PartsParsingTests
{
    private static string Dump(ConfigFile file) =>
        AstPrinter.Dump(file, positions: true) + "\n"
        + string.Join("\n", file.Comments.Select(c => $"{c.Span.Start}-{c.Span.End} {c.Text}"));

    // Checks ParseInParts against the whole-file parse for every number of parts up to `maxParts`; returns how many
    // of them used the parts (a valid file cut at clean places should).
    private static int AssertPartsAgree(string text, int maxParts = 6)
    {
        var source = new SourceFile("parts.alloy", text);
        var whole = RiverParser.ParseViaParseTree(source);
        var used = 0;
        for (var parts = 2; parts <= maxParts; parts++)
        {
            var inParts = RiverParser.ParseInParts(source, parts);
            if (inParts is null)
            {
                continue;
            }

            used++;
            Assert.True(whole.Success, $"a file with errors parsed in {parts} parts: {string.Join("; ", whole.Diagnostics.Select(d => d.Message))}");
            Assert.Equal(Dump(whole.File!), Dump(inParts));
        }

        return used;
    }

    private static string Blocks(int count)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            sb.Append("// job ").Append(i).Append('\n')
              .Append("prometheus.scrape \"job_").Append(i).Append("\" {\n")
              .Append("\ttargets = [{\"__address__\" = \"host-").Append(i).Append(":9090\"}]\n")
              .Append("\tlimit   = ").Append(i).Append(" * 2 + 1 /* c */\n")
              .Append("}\n\n")
              .Append("top_").Append(i).Append(" = [\n\t1,\n\t{ a = `x`, },\n]\n");
        }

        return sb.ToString();
    }

    [Fact]
    public void ValidFileParsedInPartsEqualsTheWholeFileParse()
    {
        var text = Blocks(40);
        Assert.Equal(5, AssertPartsAgree(text));
    }

    [Fact]
    public void LargeValidFileTakesThePartsThroughTheParseEntryPoint()
    {
        // Big enough to be cut whenever there are two cores; the result must be the whole-file parse either way.
        var text = Blocks(3000);
        var source = new SourceFile("big.alloy", text);
        var parsed = RiverParser.Parse(source);
        Assert.True(parsed.Success);
        Assert.Equal(Dump(RiverParser.ParseViaParseTree(source).File!), Dump(parsed.File!));
        Assert.NotNull(RiverParser.ParseInParts(source, 2));
    }

    [Theory]
    // Lines starting with a letter inside a raw string, a block comment, a multi-line list, an operator chain
    // continued on the next line, an object, a block body: the cut candidates that are not between statements.
    [InlineData("a = `\nraw\nstill raw\n`\nb = 1\nc = 2\n")]
    [InlineData("/*\nnot code\nnot code either\n*/\nb = 1\nc = 2\n")]
    [InlineData("a = [\nx,\ny,\n]\nb = 1\nc = 2\n")]
    [InlineData("a = 1 +\nb +\nc\nd = 2\ne = 3\n")]
    [InlineData("a = {\nk = 1,\nl = 2,\n}\nb = 1\nc = 2\n")]
    [InlineData("blk {\nx = 1\ny = 2\n}\nb = 1\nc = 2\n")]
    [InlineData("a = f(\nx,\ny,\n)\nb = 1\nc = 2\n")]
    [InlineData("a = 1\nb = 2 c = 3\nd = 4\ne = 5\n")]
    [InlineData("a = 1\nb = \"unterminated\nc = 3\nd = 4\n")]
    [InlineData("a = 1\nb = 2\nc\nd = 4\ne = 5\n")]
    [InlineData("a = 1 // trailing\nb = 2 /* x */\nc = 3 /*\n*/\nd = 4\n")]
    [InlineData("a = 1\nb.c = 2\nd \"e\" = 3\nf = g \"h\" {}\ni = 1\n")]
    [InlineData("\uFEFFa = 1\nb = 2\nc = 3\n")]
    [InlineData("a = 1\r\nb = 2\r\nc = 3\r\n")]
    [InlineData("a = ((((1))))\nb = [[[[2]]]]\nc = 3\n")]
    [InlineData("a = 1\n}\nb = 2\n{\nc = 3\n")]
    public void CutsInsideStatementsAreNeverUsedWrongly(string text)
    {
        AssertPartsAgree(text);
        AssertPartsAgree(string.Concat(Enumerable.Repeat(text, 3)));
    }

    [Theory]
    [MemberData(nameof(DirectBuilderTests.GoldenInputs), MemberType = typeof(DirectBuilderTests))]
    public void GoldenInputsRepeatedAgreeInParts(string relativePath)
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "River.Tests", "Golden", relativePath));
        AssertPartsAgree(text + "\n" + text + "\n" + text);
    }

    [Fact]
    public void RandomLinesAgreeInParts()
    {
        // Lines of real tokens, many of them starting with a letter (a cut candidate) inside some construct.
        var lines = new[]
        {
            "a = 1", "b = [", "1,", "]", "c = {", "k = 2,", "}", "d = `", "e", "`", "/*", "f", "*/", "g \"l\" {", "h = x +",
            "y", "// c", "", "i = (", "2)", "j = \"s\"", "k.l {", "m = [1, 2]", "n = f(", "o,", ")", "p = !true", "q",
        };
        Gen.Int[0, lines.Length - 1].Array[0, 60].Sample(
            picks => { AssertPartsAgree(string.Join("\n", picks.Select(i => lines[i])) + "\n", maxParts: 4); },
            iter: 3000);
    }
}
