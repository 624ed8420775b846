using River.Diagnostics;
using River.Eval;
using River.Syntax;
using River.Values;

namespace River.Tests.Eval;

public class EvaluatorTests
{
    private static readonly TextSpan S = TextSpan.Empty;

    private static Value Eval(string text, Scope? scope = null)
    {
        var parsed = RiverParser.ParseExpression(new SourceFile("expr", text));
        Assert.NotNull(parsed.Expression);
        var result = RiverEvaluator.Evaluate(parsed.Expression!, scope ?? new Scope(), new SourceFile("expr", text));
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return result.Value!;
    }

    [Fact]
    public void HandBuiltTreeEvaluatesWithoutSourceAndPrintsTheExpressionInErrors()
    {
        var expr = new BinaryExpr(
            BinaryOperator.Add,
            new LiteralExpr(LiteralKind.String, "\"a\"", "a", S),
            new LiteralExpr(LiteralKind.Number, "1", null, S),
            S);
        var result = RiverEvaluator.Evaluate(expr, new Scope());
        Assert.Null(result.Value);
        var d = Assert.Single(result.Diagnostics);
        Assert.Equal("1 should be string, got number", d.Message);
    }

    [Fact]
    public void ExtremelyDeepHandBuiltTreeGivesADiagnosticInsteadOfAStackOverflow()
    {
        Expr expr = new LiteralExpr(LiteralKind.Bool, "true", null, S);
        for (var i = 0; i < 1_000_000; i++)
        {
            expr = new UnaryExpr(UnaryOperator.Not, expr, S);
        }

        var result = RiverEvaluator.Evaluate(expr, new Scope());
        Assert.Null(result.Value);
        Assert.Equal("expression is nested too deeply to evaluate", Assert.Single(result.Diagnostics).Message);
    }

    [Fact]
    public void IntegerDivisionTruncatesButFloatDivisionDoesNot()
    {
        Assert.Equal("2", Eval("5 / 2").ToString());
        Assert.Equal("2.5", Eval("5.0 / 2").ToString());
        Assert.Equal(NumberKind.Int, ((NumberValue)Eval("5 / 2")).NumberKind);
    }

    [Fact]
    public void SmallIntegersAndBooleansAreSharedInstances()
    {
        Assert.Same(Value.Int(7), Value.Int(7));
        Assert.Same(Value.True, Value.Bool(true));
        Assert.Same(Value.Null, Eval("null"));
    }

    [Fact]
    public void ScopeSetPathBuildsNestedObjectsForComponentExports()
    {
        var scope = new Scope();
        scope.SetPath(["prometheus", "scrape", "a", "targets"], Value.Int(1));
        scope.SetPath(["prometheus", "scrape", "b", "targets"], Value.Int(2));
        Assert.Equal("3", Eval("prometheus.scrape.a.targets + prometheus.scrape.b.targets", scope).ToString());
        scope.RemovePath(["prometheus", "scrape", "a"]);
        var result = RiverEvaluator.Evaluate(RiverParser.ParseExpression("prometheus.scrape.a").Expression!, scope);
        Assert.Contains("field \"a\" does not exist", result.Diagnostics[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ScopeVariablesShadowTheStandardLibrary()
    {
        var scope = new Scope();
        scope.Set("string", ObjectValue.From([new("format", Value.String("mine"))]));
        Assert.Equal("\"mine\"", Eval("string.format", scope).ToString());
    }

    [Fact]
    public void CapsuleWithRiverSchemaCanBeReadLikeAnObject()
    {
        var scope = new Scope();
        scope.Set("exports", new CapsuleValue(new TestNested { Host = "h", Port = 9 }));
        Assert.Equal("9", Eval("exports.port", scope).ToString());
    }

    private sealed class Counter : IRiverCapsuleMembers
    {
        public IEnumerable<string> MemberNames => ["add", "total"];

        public long Total { get; private set; }

        public bool TryGetMember(string name, out Value value)
        {
            value = name switch
            {
                "total" => Value.Int(Total),
                "add" => new FunctionValue("counter.add", 1, 1, args => Value.Int(Total += ((NumberValue)args[0]).AsInt)),
                _ => Value.Null,
            };
            return name is "add" or "total";
        }
    }

    [Fact]
    public void CapsuleMembersAreReadableAndCallableAsMethods()
    {
        var scope = new Scope();
        scope.Set("counter", new CapsuleValue(new Counter()));
        Assert.Equal("[5, 7, 7]", Eval("[counter.add(5), counter.add(2), counter.total]", scope).ToString());
        var result = RiverEvaluator.Evaluate(RiverParser.ParseExpression("counter.totl").Expression!, scope);
        Assert.Equal("did you mean \"total\"?", Assert.Single(result.Diagnostics).Hint);
    }

    [Fact]
    public void ReferenceCollectorReturnsAccessChainsAndStopsAtIndexOrCall()
    {
        var source = new SourceFile("t.alloy", """
            c "x" {
              a = prometheus.remote_write.default.receiver
              b = [a.b[0].c, f().x, sys.env("HOME")]
              inner {
                d = local.file.x.content + "s"
              }
            }
            """);
        var block = (BlockStatement)RiverParser.Parse(source).File!.Body[0];
        var refs = ReferenceCollector.Collect(block);
        Assert.Equal(
            ["prometheus.remote_write.default.receiver", "a.b", "f", "sys.env", "local.file.x.content"],
            refs.Select(r => r.Dotted).ToArray());
        Assert.Equal("prometheus.remote_write.default.receiver", source.Text.Substring(refs[0].Span.Start, refs[0].Span.Length));
        Assert.True(refs[3].IsStdlib);
        Assert.False(refs[0].IsStdlib);
    }

    [Fact]
    public void ExperimentalFunctionsAreRecognisedByPath()
    {
        Assert.True(Stdlib.IsExperimental(["array", "group_by"]));
        Assert.False(Stdlib.IsExperimental(["array", "concat"]));
        Assert.Equal("sys.env", Stdlib.DeprecatedReplacement("env"));
    }

    [Fact]
    public void EvaluateAsConvertsAndBlamesTheVariablePath()
    {
        var source = new SourceFile("test", "x = key_value.object.field1");
        var attr = (AttributeStatement)RiverParser.Parse(source).File!.Body[0];
        var bag = new DiagnosticBag();
        var ok = RiverEvaluator.TryEvaluateAs(attr.Value, typeof(List<long>), EvalGoldenTests.CreateFixtureScope(), source, bag, out _);
        Assert.False(ok);
        Assert.Equal("test:1:5: key_value.object.field1[2] should be number, got string", bag.Items[0].ToString());
    }

    [Fact]
    public void ExpressionPrinterPrintsHandBuiltTrees()
    {
        var expr = new CallExpr(
            new AccessExpr(new IdentifierExpr("string", S), new Identifier("join", S), S),
            [new ArrayExpr([new LiteralExpr(LiteralKind.String, "\"a\"", "a", S)], S), new UnaryExpr(UnaryOperator.Negate, new LiteralExpr(LiteralKind.Number, "1", null, S), S)],
            S);
        Assert.Equal("string.join([\"a\"], -1)", ExpressionPrinter.Print(expr));
    }

    [Fact]
    public void DeepEqualityTreatsFunctionsAsNeverEqual()
    {
        Stdlib.TryGet("coalesce", out var f);
        Assert.False(f.Equals(f));
        Assert.True(new ArrayValue([Value.Int(1), Value.Float(1)]).Equals(new ArrayValue([Value.Float(1), Value.Uint(1)])));
    }

    [Fact]
    public void ObjectsKeepInsertionOrderButPrintSorted()
    {
        var obj = ObjectValue.From([new("b", Value.Int(1)), new("a", Value.Int(2))]);
        Assert.Equal(["b", "a"], obj.Fields.Keys.ToArray());
        Assert.Equal("{\n\ta = 2,\n\tb = 1,\n}", obj.ToString());
    }
}
