using River.Diagnostics;
using River.Runtime;

namespace River.Tests.Runtime;

public class LoaderTests
{
    private static IReadOnlyList<Diagnostic> Plan(string text, StabilityLevel stability = StabilityLevel.GenerallyAvailable, params (string Path, string Text)[] more)
    {
        var snapshot = ConfigReader.FromTexts([("main.alloy", text), .. more]);
        Assert.True(snapshot.Success, string.Join("\n", snapshot.Diagnostics));
        return GraphLoader.Plan(snapshot.Files, new ComponentRegistry(TestCatalog.Create()), RiverComponentEvaluator.Instance, stability)
            .Diagnostics.Items;
    }

    [Fact]
    public void UnknownComponentGetsADidYouMean()
    {
        var d = Assert.Single(Plan("""testcomponents.passthrogh "a" { input = 1 }"""));
        Assert.Equal("cannot find the definition of component name \"testcomponents.passthrogh\"", d.Message);
        Assert.Equal("did you mean \"testcomponents.passthrough\"?", d.Hint);
        Assert.Equal("main.alloy:1:1", d.Location);
    }

    [Fact]
    public void DuplicateIdsAcrossFilesNameTheFirstDeclaration()
    {
        var diagnostics = Plan(
            "testcomponents.passthrough \"a\" { input = 1 }\n",
            StabilityLevel.GenerallyAvailable,
            ("other.alloy", "\n  testcomponents.passthrough \"a\" { input = 2 }\n"));
        var d = Assert.Single(diagnostics);
        Assert.Equal("block testcomponents.passthrough.a already declared at main.alloy:1:1", d.Message);
        Assert.Equal("other.alloy:2:3", d.Location);
    }

    [Fact]
    public void ComponentsNeedALabelAndTopLevelAttributesAreRejected()
    {
        var diagnostics = Plan("""
            x = 1
            testcomponents.passthrough { input = 1 }
            """);
        Assert.Equal(["unrecognized attribute x", "component \"testcomponents.passthrough\" must have a label"], diagnostics.Select(d => d.Message));
    }

    [Fact]
    public void ACycleIsOneDiagnosticNamingEveryMemberWithItsPosition()
    {
        var d = Assert.Single(Plan("""
            testcomponents.passthrough "a" { input = testcomponents.passthrough.c.output }
            testcomponents.passthrough "b" { input = testcomponents.passthrough.a.output }
            testcomponents.passthrough "c" { input = testcomponents.passthrough.b.output }
            testcomponents.passthrough "free" { input = 1 }
            """));
        Assert.Equal(
            "cycle detected: testcomponents.passthrough.a (main.alloy:1:1), testcomponents.passthrough.b (main.alloy:2:1), testcomponents.passthrough.c (main.alloy:3:1)",
            d.Message);
    }

    [Fact]
    public void SelfReferenceIsReportedAtTheReference()
    {
        var d = Assert.Single(Plan("""testcomponents.passthrough "a" { input = testcomponents.passthrough.a.output }"""));
        Assert.Equal("cannot reference self: testcomponents.passthrough.a refers to its own exports", d.Message);
        Assert.Equal("main.alloy:1:42", d.Location);
    }

    [Fact]
    public void AReferenceResolvesToTheLongestMatchingComponentId()
    {
        var snapshot = ConfigReader.FromTexts([("main.alloy", """
            testcomponents.source "default" { initial = 1 }
            testcomponents.passthrough "x" { input = [testcomponents.source.default.output, sys.env("HOME"), string.format("%d", 1)] }
            """)]);
        var plan = GraphLoader.Plan(snapshot.Files, new ComponentRegistry(TestCatalog.Create()), RiverComponentEvaluator.Instance, StabilityLevel.GenerallyAvailable);
        Assert.Empty(plan.Diagnostics.Items);
        Assert.Equal(["testcomponents.source.default"], plan.Dependencies["testcomponents.passthrough.x"]);
        Assert.Equal(["testcomponents.source.default", "testcomponents.passthrough.x"], plan.Components.Select(c => c.Id));
    }

    [Fact]
    public void ComponentsBelowTheStabilityLevelAreRefused()
    {
        const string text = """testcomponents.experimental "e" { input = 1 }""";
        var d = Assert.Single(Plan(text));
        Assert.Equal(
            "component \"testcomponents.experimental\" is at stability level \"experimental\", which is below the minimum allowed stability level \"generally-available\"",
            d.Message);
        Assert.Empty(Plan(text, StabilityLevel.Experimental));
    }

    [Fact]
    public void ValidateReportsMissingRequiredArgumentsWithoutRunningAnything()
    {
        var snapshot = ConfigReader.FromTexts([("main.alloy", """
            testcomponents.passthrough "a" { }
            testcomponents.fetch "f" { url = testcomponents.passthrough.a.output }
            """)]);
        var diagnostics = RiverHost.ValidateFiles(snapshot.Files, TestCatalog.Create());
        Assert.Contains(diagnostics, d => d.Message.Contains("missing required attribute \"input\"", StringComparison.Ordinal) && d.Location.StartsWith("main.alloy:1:", StringComparison.Ordinal));
    }

    [Fact]
    public void ACatalogWithAPrefixClashIsRejectedAtStartup()
    {
        var bad = new List<ComponentRegistration>(TestCatalog.Create())
        {
            new("testcomponents.passthrough.extra", typeof(PassthroughArguments), null, StabilityLevel.GenerallyAvailable, (o, a) => new PassthroughComponent(o, (PassthroughArguments)a)),
        };
        var ex = Assert.Throws<ArgumentException>(() => new ComponentRegistry(bad));
        Assert.Contains("testcomponents.passthrough.extra", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TopologicalOrderAndCyclesOnALargeChainDoNotOverflowTheStack()
    {
        var graph = new DependencyGraph<int>();
        for (var i = 1; i < 100_000; i++)
        {
            graph.AddEdge(i, i - 1);
        }

        Assert.Empty(graph.FindCycles());
        Assert.Equal(Enumerable.Range(0, 100_000), graph.TopologicalOrder()!);
        graph.AddEdge(0, 99_999);
        Assert.Null(graph.TopologicalOrder());
        Assert.Equal(100_000, Assert.Single(graph.FindCycles()).Count);
    }
}
