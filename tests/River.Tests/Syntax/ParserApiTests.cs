using System.Text;
using River.Diagnostics;
using River.Syntax;

namespace River.Tests.Syntax;

public sealed class ParserApiTests
{
    [Fact]
    public void ValidFileHasATreeAndNoDiagnostics()
    {
        var result = RiverParser.Parse("ok.alloy", "a = 1\nb { c = \"x\" }\n");
        Assert.True(result.Success);
        Assert.Empty(result.Diagnostics);
        Assert.Equal(2, result.File!.Body.Length);
        var block = Assert.IsType<BlockStatement>(result.File.Body[1]);
        Assert.Equal("b", block.Id);
        Assert.Equal(new TextSpan(6, 19), block.Span);
        Assert.Equal(new TextSpan(8, 19), block.BodySpan);
    }

    [Fact]
    public void BlockNameAndIdAreRemadeWhenACopyChangesThem()
    {
        // Name and Id are cached in the node; a copy with other parts or another label must not see the old ones,
        // and the cache must not affect equality.
        var block = (BlockStatement)RiverParser.Parse("ids.alloy", "a.b.c \"l\" {}\n").File!.Body[0];
        Assert.Equal("a.b.c", block.Name);
        Assert.Equal("a.b.c.l", block.Id);
        var relabelled = block with { Label = "m" };
        Assert.Equal("a.b.c.m", relabelled.Id);
        Assert.Equal("a.b.c.l", block.Id);
        var unlabelled = block with { Label = null };
        Assert.Equal("a.b.c", unlabelled.Id);
        var renamed = block with { NameParts = [new Identifier("x", default)] };
        Assert.Equal("x", renamed.Name);
        Assert.Equal("x.l", renamed.Id);
        Assert.Equal("a.b.c.l", block.Id);

        var fresh = block with { };
        Assert.Equal(block, fresh);
        _ = block.Id;
        Assert.Equal(block, fresh);
        Assert.Equal(block.GetHashCode(), fresh.GetHashCode());
    }

    [Fact]
    public void AnyErrorMeansNoTree()
    {
        var result = RiverParser.Parse("bad.alloy", "a = 1\nb = [1 2]\n");
        Assert.Null(result.File);
        Assert.False(result.Success);
        var d = Assert.Single(result.Diagnostics);
        Assert.Equal("bad.alloy:2:8: missing ',' in expression list", d.ToString());
    }

    [Fact]
    public void EveryLineWithAnErrorIsReported()
    {
        var result = RiverParser.Parse("bad.alloy", "a = [1 2]\nb = { 1 = 2 }\nc.d = 1\ne \"x\" = 2\nf = 'q'\n");
        Assert.Equal(
            [
                "bad.alloy:1:8: missing ',' in expression list",
                "bad.alloy:2:7: expected field name (string or identifier), got NUMBER",
                "bad.alloy:3:1: attribute names may only consist of a single identifier with no \".\"",
                "bad.alloy:4:3: attribute names may not have labels",
                "bad.alloy:5:5: illegal single-quoted string; use double quotes",
            ],
            result.Diagnostics.Select(d => d.ToString()));
    }

    [Fact]
    public void LabelsAndBlockIdsFollowAlloy()
    {
        var file = RiverParser.Parse("l.alloy", "a.b \"x\" {}\nc \"\" {}\n").File!;
        var labelled = (BlockStatement)file.Body[0];
        Assert.Equal("a.b.x", labelled.Id);
        Assert.Equal("x", labelled.Label);
        Assert.Equal(new TextSpan(4, 7), labelled.LabelSpan);
        Assert.Null(((BlockStatement)file.Body[1]).Label);
    }

    [Fact]
    public void LiteralsKeepRawTextAndDecodedStrings()
    {
        var expr = RiverParser.ParseExpression("[\"a\\tb\\x41\\u00e9\", `c\\n`, 010, 1.5e3]").Expression;
        var array = Assert.IsType<ArrayExpr>(expr);
        var s = (LiteralExpr)array.Elements[0];
        Assert.Equal("\"a\\tb\\x41\\u00e9\"", s.Raw);
        Assert.Equal("a\tbAé", s.Text);
        Assert.Equal("c\\n", ((LiteralExpr)array.Elements[1]).Text);
        Assert.Equal(LiteralKind.Number, ((LiteralExpr)array.Elements[2]).Kind);
        Assert.Equal("010", ((LiteralExpr)array.Elements[2]).Raw);
        Assert.Equal(LiteralKind.Float, ((LiteralExpr)array.Elements[3]).Kind);
    }

    [Fact]
    public void ParseExpressionRequiresTheWholeInput()
    {
        Assert.True(RiverParser.ParseExpression("1 + 2\n").Success);
        var result = RiverParser.ParseExpression("1 + 2 3");
        Assert.Null(result.Expression);
        Assert.Equal("expected TERMINATOR, got NUMBER", Assert.Single(result.Diagnostics).Message);
    }

    [Fact]
    public void CommentsAreCollectedWithExactSpans()
    {
        const string text = "// one\r\na = 1 /* two */\n";
        var file = RiverParser.Parse("c.alloy", text).File!;
        Assert.Equal(["// one", "/* two */"], file.Comments.Select(c => c.Text));
        Assert.All(file.Comments, c => Assert.Equal(c.Text, text[c.Span.Start..c.Span.End]));
        Assert.True(file.Comments[1].IsBlock);
    }

    [Fact]
    public void ByteInputHandlesEncodings()
    {
        Assert.True(RiverParser.Parse("bom.alloy", Encoding.UTF8.GetPreamble().Concat("a = 1"u8.ToArray()).ToArray()).Success);

        var utf16 = RiverParser.Parse("u16.alloy", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("a = 1")).ToArray());
        Assert.Equal("configuration is encoded with UTF-16LE but must be utf8", Assert.Single(utf16.Diagnostics).Message);

        var invalid = RiverParser.Parse("bad.alloy", [(byte)'a', (byte)' ', (byte)'=', (byte)' ', 0xff, (byte)'\n']);
        Assert.Contains(invalid.Diagnostics, d => d.Message == "illegal UTF-8 encoding" && d.Location == "bad.alloy:1:5");
    }

    [Fact]
    public void SpansCoverTheWholeExpression()
    {
        const string text = "v = a.b[0](1) + -c ^ 2";
        var attribute = (AttributeStatement)RiverParser.Parse("s.alloy", text).File!.Body[0];
        Assert.Equal("a.b[0](1) + -c ^ 2", text[attribute.Value.Span.Start..attribute.Value.Span.End]);
        var sum = (BinaryExpr)attribute.Value;
        Assert.Equal("a.b[0](1)", text[sum.Left.Span.Start..sum.Left.Span.End]);
        Assert.Equal("-c ^ 2", text[sum.Right.Span.Start..sum.Right.Span.End]);
    }

    [Fact]
    public void IdentifierRulesMatchAlloy()
    {
        Assert.True(Identifiers.IsValid("métrica_café"));
        Assert.True(Identifiers.IsValid("_a1"));
        Assert.False(Identifiers.IsValid("1a"));
        Assert.False(Identifiers.IsValid("with space"));
        Assert.False(Identifiers.IsValid("true"));
        Assert.Equal("identifier___1", Identifiers.Sanitize("identifier _ 1"));
        Assert.Equal("_1abc", Identifiers.Sanitize("1abc"));
    }
}
