using CsCheck;
using River.Diagnostics;
using River.Syntax;

namespace River.Tests.Syntax;

/// <summary>
/// The fast parse path (no parse tree, AST built from rule exits) must give exactly what the recovering parser plus
/// the parse-tree builder give: the same AST with the same spans, and the same diagnostics in the same order.
/// </summary>
public sealed class DirectBuilderTests
{
    public static TheoryData<string> GoldenInputs()
    {
        var data = new TheoryData<string>();
        var golden = Path.Combine(RepoPaths.Root, "tests", "River.Tests", "Golden");
        foreach (var file in Directory.GetFiles(golden, "input.alloy", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(golden, file));
        }

        return data;
    }

    private static string Describe(ParseResult result) =>
        (result.File is null ? "no file" : AstPrinter.Dump(result.File, positions: true)) + "\n"
        + string.Join("\n", result.Diagnostics.Select(d => $"{d.Span.Start}-{d.Span.End} {d.Message}"));

    private static void AssertSameAsParseTreePath(string path, string text)
    {
        var source = new SourceFile(path, text);
        var fast = RiverParser.Parse(source);
        var reference = RiverParser.ParseViaParseTree(source);
        Assert.Equal(Describe(reference), Describe(fast));
        if (fast.File is not null)
        {
            Assert.Equal(reference.File!.Comments.Length, fast.File.Comments.Length);
        }
    }

    [Theory]
    [MemberData(nameof(GoldenInputs))]
    public void FastPathMatchesTheParseTreePathOnEveryGoldenInput(string relativePath)
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "River.Tests", "Golden", relativePath));
        AssertSameAsParseTreePath(relativePath, text);
    }

    [Theory]
    [MemberData(nameof(GoldenInputs))]
    public void ValidGoldenInputNeverNeedsTheRecoveringParser(string relativePath)
    {
        // The fast rules must accept every valid file: a slip there would still give the right answer (through the
        // recovering parser) but silently lose the fast path, so equality of results alone would not catch it.
        var text = File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "River.Tests", "Golden", relativePath));
        var source = new SourceFile(relativePath, text);
        var full = RiverParser.Parse(source);
        var fast = RiverParser.ParseFastPassOnly(source);

        // Only valid files are the fast pass's business; invalid ones are covered by the equality test above.
        if (full.Success)
        {
            Assert.NotNull(fast);
            Assert.Equal(AstPrinter.Dump(full.File!, positions: true), AstPrinter.Dump(fast, positions: true));
        }
    }

    [Fact]
    public void EveryConstructOfTheLanguageTakesTheFastPath()
    {
        const string text = """
            // comment
            a.b.c "label" {
              x = -!-a.b[1](2, 3,).c ^ 2 ^ -3 * 4 + 5 == 6 || !false && null != "s" /* c */
              y = [1, 2.5e3, `raw`, "esc\n", {k = 1, "q k" = [], `r` = {}}, f(), (1), []]
              z = {
                a = 1,
                b = [
                  1,
                ],
              }
              empty "" { }
              nested { deeper { v = x.y["k"] } }
            }
            """;
        var source = new SourceFile("all.alloy", text);
        var fast = RiverParser.ParseFastPassOnly(source);
        Assert.NotNull(fast);
        Assert.Equal(AstPrinter.Dump(RiverParser.ParseViaParseTree(source).File!, positions: true), AstPrinter.Dump(fast, positions: true));
    }

    [Theory]
    [MemberData(nameof(GoldenInputs))]
    public void ABlockMarkedWithoutIdentifiersHasNoReferencesOnEveryGoldenInput(string relativePath)
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "River.Tests", "Golden", relativePath));
        if (RiverParser.Parse(new SourceFile(relativePath, text)).File is { } file)
        {
            AssertMarksAreRight(file.Body);
        }
    }

    [Fact]
    public void TheParserMarksBlocksWithoutIdentifiersAndOnlyThose()
    {
        const string text = """
            plain "a" {
              x = [{k = "v", n = 1}]
              y = 1 + 2
              inner { z = "s" }
            }
            leaf "b" { x = a }
            deep "c" { inner { more { v = [1, f(2)] } } }
            access "d" { x = [1, {k = a.b.c}] }
            key "e" { x = {a = 1, b = "a"} }
            """;
        var file = RiverParser.Parse(new SourceFile("marks.alloy", text)).File!;
        var marks = file.Body.Cast<BlockStatement>().Select(b => b.HasNoIdentifiers).ToArray();
        Assert.Equal([true, false, false, false, true], marks);
        AssertMarksAreRight(file.Body);

        // A new body makes the mark unknown again; other changes keep it.
        var plain = (BlockStatement)file.Body[0];
        Assert.True((plain with { Label = "other" }).HasNoIdentifiers);
        Assert.False((plain with { Body = ((BlockStatement)file.Body[1]).Body }).HasNoIdentifiers);
        Assert.Single(River.Eval.ReferenceCollector.Collect(plain with { Body = ((BlockStatement)file.Body[1]).Body }));
    }

    // Every block marked as without identifiers (at any depth) has no reference when its body is walked.
    private static void AssertMarksAreRight(IEnumerable<Statement> body)
    {
        foreach (var block in body.OfType<BlockStatement>())
        {
            if (block.HasNoIdentifiers)
            {
                Assert.Empty(River.Eval.ReferenceCollector.Collect(block.Body));
            }

            AssertMarksAreRight(block.Body);
        }
    }

    [Theory]
    [InlineData("a.b = 1\n")]
    [InlineData("a \"l\" = 1\n")]
    [InlineData("blk `raw` { }\n")]
    [InlineData("blk \"not an ident\" { }\n")]
    [InlineData("blk \"\" { x = 1 }\n")]
    [InlineData("x = a.b \"l\" { y = 1 }\n")]
    [InlineData("x = 1 + 2 { }\n")]
    [InlineData("x = [1\n, 2\n]\n")]
    [InlineData("x = { a = 1\n b = 2\n }\n")]
    [InlineData("x = f(1\n, 2)\n")]
    [InlineData("x = -!-a.b[1](2, 3).c ^ 2 ^ -3 * 4 + 5 == 6 || !false && null != \"s\"\n")]
    [InlineData("a.b.c \"x\" { d { e = `r` } }\n")]
    public void FastPathMatchesTheParseTreePathOnBuilderDiagnosticsAndOperators(string text)
    {
        AssertSameAsParseTreePath("case.alloy", text);
    }

    [Fact]
    public void FastPathMatchesTheParseTreePathAtTheExpressionDepthLimit()
    {
        var deep = "x = " + string.Concat(Enumerable.Repeat("-", SyntaxLimits.MaxExpressionDepth + 5)) + "1\n"
            + "y = " + string.Join(" + ", Enumerable.Range(0, SyntaxLimits.MaxExpressionDepth + 5)) + "\n"
            + "z = " + new string('[', 40) + new string(']', 40) + "\n";
        AssertSameAsParseTreePath("deep.alloy", deep);
    }

    [Fact]
    public void FastPathMatchesTheParseTreePathOnRandomTokenSequences()
    {
        // Sequences of real tokens hit the builder's checks (labels, dotted names, block values, separators) in
        // combinations no hand-written case lists; about one in ten parses.
        var tokens = new[]
        {
            "a", "b.c", "\"s\"", "\"x y\"", "`r`", "1", "2.5", "true", "null", "=", "==", "<", "+", "-", "*", "^", "!",
            "&&", "||", "(", ")", "[", "]", "{", "}", ",", ".", "\n", "// c\n", "/* c */", "\"l\" {", "x = ", "k \"l\" {",
        };
        Gen.Int[0, tokens.Length - 1].Array[0, 40].Sample(
            picks => AssertSameAsParseTreePath("tokens.alloy", string.Concat(picks.Select(i => tokens[i] + " "))),
            iter: 5000);
    }
}
