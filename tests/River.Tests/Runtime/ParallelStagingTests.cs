using System.Text;
using River.Runtime;
using River.Values;

namespace River.Tests.Runtime;

/// <summary>Runs of independent components at least <see cref="ComponentController.ParallelStagingThreshold"/> long are staged in parallel.</summary>
public class ParallelStagingTests
{
    private static readonly int Many = ComponentController.ParallelStagingThreshold * 3;

    private static long OutputOf(ComponentNode node) =>
        ((NumberValue)((ObjectValue)node.Exports).Fields["output"]).AsInt;

    [Fact]
    public void RunsEndWhereAComponentReferencesOneOfTheRun()
    {
        var snapshot = ConfigReader.FromTexts([("main.alloy", """
            testcomponents.passthrough "a" { input = 1 }
            testcomponents.passthrough "b" { input = 2 }
            testcomponents.passthrough "c" { input = testcomponents.passthrough.a.output }
            testcomponents.passthrough "d" { input = testcomponents.passthrough.b.output }
            testcomponents.passthrough "e" { input = testcomponents.passthrough.c.output }
            """)]);
        var plan = GraphLoader.Plan(snapshot.Files, new ComponentRegistry(TestCatalog.Create()), RiverComponentEvaluator.Instance, StabilityLevel.GenerallyAvailable);
        Assert.Equal(["a", "b", "c", "d", "e"], plan.Components.Select(c => c.Block.Label));
        Assert.Equal([(0, 2), (2, 4), (4, 5)], ComponentController.IndependentRuns(plan).ToList());
    }

    [Fact]
    public void SharedLoopsVisitEveryIndexOnceAndRethrowAFailure()
    {
        var visits = new int[1000];
        ComponentController.ForEachShared(10, 1000, i => Interlocked.Increment(ref visits[i]));
        Assert.All(visits.Take(10), v => Assert.Equal(0, v));
        Assert.All(visits.Skip(10), v => Assert.Equal(1, v));
        ComponentController.ForEachShared(5, 5, _ => throw new InvalidOperationException("never called"));

        var done = 0;
        var error = Assert.Throws<InvalidOperationException>(() => ComponentController.ForEachShared(0, 200, i =>
        {
            Interlocked.Increment(ref done);
            if (i == 150)
            {
                throw new InvalidOperationException("index 150");
            }
        }));
        Assert.Equal("index 150", error.Message);
        Assert.Equal(200, done);
    }

    [Fact]
    public async Task ManyIndependentComponentsAndTheirDependantsAllBuildWithTheirOwnArguments()
    {
        var text = new StringBuilder();
        for (var i = 0; i < Many; i++)
        {
            text.AppendLine($"testcomponents.passthrough \"p{i}\" {{ input = {i} }}");
            text.AppendLine($"testcomponents.passthrough \"q{i}\" {{ input = testcomponents.passthrough.p{i}.output * 2 }}");
        }

        await using var h = new RuntimeHarness();
        var result = await h.ApplyAsync(text.ToString());
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Equal(2 * Many, h.Controller.Components.Count);
        for (var i = 0; i < Many; i++)
        {
            Assert.Equal(i, OutputOf(h.Node($"testcomponents.passthrough.p{i}")));
            Assert.Equal(2 * i, OutputOf(h.Node($"testcomponents.passthrough.q{i}")));
        }
    }

    [Fact]
    public async Task DiagnosticsOfAParallelRunKeepTheConfigOrder()
    {
        var text = new StringBuilder();
        for (var i = 0; i < Many; i++)
        {
            text.AppendLine(i % 2 == 0
                ? $"testcomponents.passthrough \"p{i}\" {{ input = {i} }}"
                : $"testcomponents.passthrough \"p{i}\" {{ input = \"x\" + {i} }}");
        }

        await using var h = new RuntimeHarness();
        var result = await h.ApplyAsync(text.ToString());
        Assert.False(result.Success);
        var lines = result.Errors.Select(d => int.Parse(d.Location!.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Many / 2, lines.Count);
        Assert.Equal(Enumerable.Range(0, Many / 2).Select(k => 2 * k + 2), lines);
        Assert.Empty(h.Controller.Components);
    }
}
