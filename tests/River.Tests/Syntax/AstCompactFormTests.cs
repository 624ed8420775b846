using System.Collections.Immutable;
using River.Diagnostics;
using River.Syntax;

namespace River.Tests.Syntax;

/// <summary>
/// String literals without escapes and block names written without spaces are stored in a compact form (the raw text,
/// the name parts implied); what the nodes show, their equality and their copies must be those of the full form.
/// </summary>
public sealed class AstCompactFormTests
{
    private static readonly TextSpan At = new(3, 8);

    [Fact]
    public void StringLiteralWithoutEscapesShowsItsQuotedRawText()
    {
        var literal = (LiteralExpr)RiverParser.ParseExpression("\"abc\"").Expression!;
        Assert.Equal("\"abc\"", literal.Raw);
        Assert.Equal("abc", literal.Text);
        Assert.Equal(LiteralKind.String, literal.Kind);
        var full = new LiteralExpr(LiteralKind.String, "\"abc\"", "abc", literal.Span);
        Assert.Equal(full, literal);
        Assert.Equal(full.GetHashCode(), literal.GetHashCode());
        Assert.Equal(full.ToString(), literal.ToString());
        Assert.True(AstEquality.Default.Equals(full, literal));
        Assert.Equal(AstEquality.Default.GetHashCode(full), AstEquality.Default.GetHashCode(literal));
    }

    [Fact]
    public void LiteralsWithOtherRawTextsStayDistinct()
    {
        var plain = new LiteralExpr(LiteralKind.String, "\"a\"", "a", At);
        var escaped = new LiteralExpr(LiteralKind.String, "\"\\u0061\"", "a", At);
        var raw = new LiteralExpr(LiteralKind.RawString, "`a`", "a", At);
        Assert.Equal("\"\\u0061\"", escaped.Raw);
        Assert.Equal("`a`", raw.Raw);
        Assert.NotEqual(plain, escaped);
        Assert.NotEqual(plain, raw);
        Assert.False(AstEquality.Default.Equals(plain, escaped));
        var (kind, rawText, text, span) = escaped;
        Assert.Equal((LiteralKind.String, "\"\\u0061\"", "a", At), (kind, rawText, text, span));
    }

    [Fact]
    public void CopyOfACompactLiteralKeepsTheRawTextItWasGiven()
    {
        var literal = new LiteralExpr(LiteralKind.String, "\"a\"", "a", At);

        // As for any record: changing one member leaves the others as they were.
        var retexted = literal with { Text = "b" };
        Assert.Equal("\"a\"", retexted.Raw);
        Assert.Equal("b", retexted.Text);
        var rekinded = literal with { Kind = LiteralKind.RawString };
        Assert.Equal("\"a\"", rekinded.Raw);
        var reraw = literal with { Raw = "\"c\"" };
        Assert.Equal("\"c\"", reraw.Raw);
        Assert.Equal("a", reraw.Text);

        // Back to the compact form when the members agree again.
        Assert.Equal(literal, retexted with { Text = "a" });
    }

    [Theory]
    [InlineData("a.b.c \"l\" {}\n")]
    [InlineData("a . b.\n c {}\n")]
    [InlineData("a/* x */.b {}\n")]
    [InlineData("single {}\n")]
    public void BlockNamePartsAreThoseOfTheSource(string text)
    {
        var source = new SourceFile("names.alloy", text);
        var fast = (BlockStatement)RiverParser.Parse(source).File!.Body[0];
        var tree = (BlockStatement)RiverParser.ParseViaParseTree(source).File!.Body[0];
        foreach (var block in new[] { fast, tree })
        {
            var expected = System.Text.RegularExpressions.Regex.Matches(text[..text.IndexOf('{', StringComparison.Ordinal)], "[a-z]+")
                .Where(m => m.Value != "l" && m.Value != "x")
                .Select(m => new Identifier(m.Value, new TextSpan(m.Index, m.Index + m.Length)))
                .ToArray();
            Assert.Equal(expected, block.NameParts.ToArray());
            Assert.Equal(string.Join('.', expected.Select(p => p.Name)), block.Name);
            Assert.Equal(expected[0].Span.Union(expected[^1].Span), block.NameSpan);
        }
    }

    [Fact]
    public void BlocksMadeFromPartsOrParsedAreEqualWhenTheirMembersAre()
    {
        var parsed = (BlockStatement)RiverParser.Parse("eq.alloy", "a.b \"l\" {}\n").File!.Body[0];
        var made = new BlockStatement(
            [new Identifier("a", new TextSpan(0, 1)), new Identifier("b", new TextSpan(2, 3))],
            "l",
            parsed.LabelSpan,
            parsed.Body,
            parsed.BodySpan,
            parsed.Span);
        Assert.Equal(parsed, made);
        Assert.Equal(parsed.GetHashCode(), made.GetHashCode());
        Assert.Equal(parsed.ToString(), made.ToString());
    }

    [Fact]
    public void BlockPartsThatAreNotImpliedByTheNameAreKept()
    {
        var block = (BlockStatement)RiverParser.Parse("keep.alloy", "a.b {}\n").File!.Body[0];

        // A part holding a dot, and a part whose span is not its name's length: the parts come back as given.
        ImmutableArray<Identifier> dotted = [new Identifier("x.y", new TextSpan(0, 3))];
        var renamed = block with { NameParts = dotted };
        Assert.Equal(dotted.ToArray(), renamed.NameParts.ToArray());
        Assert.Equal("x.y", renamed.Name);
        ImmutableArray<Identifier> spaced = [new Identifier("x", new TextSpan(0, 4))];
        Assert.Equal(spaced.ToArray(), (block with { NameParts = spaced }).NameParts.ToArray());
        Assert.Throws<ArgumentException>(() => block with { NameParts = [] });
    }
}
