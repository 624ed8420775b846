using River.Runtime;
using River.Values;

namespace River.Tests.Runtime;

public class ControllerTests
{
    private static long OutputOf(ComponentNode node) =>
        ((NumberValue)((ObjectValue)node.Exports).Fields["output"]).AsInt;

    [Fact]
    public async Task ChainPropagatesAnExportChangeFromHeadToTail()
    {
        await using var h = new RuntimeHarness();
        var result = await h.ApplyAsync("""
            testcomponents.source "head" { initial = 1 }
            testcomponents.passthrough "a" { input = testcomponents.source.head.output + 1 }
            testcomponents.passthrough "b" { input = testcomponents.passthrough.a.output * 10 }
            testcomponents.passthrough "c" { input = testcomponents.passthrough.b.output - 3 }
            """);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Equal(17, OutputOf(h.Node("testcomponents.passthrough.c")));

        h.Instance<SourceComponent>("testcomponents.source.head").Publish(Value.Int(5));
        await RuntimeHarness.EventuallyAsync(() => OutputOf(h.Node("testcomponents.passthrough.c")) == 57, "tail sees (5+1)*10-3");
        Assert.Equal(60, OutputOf(h.Node("testcomponents.passthrough.b")));
    }

    [Fact]
    public async Task DiamondEvaluatesTheJoinWithBothBranchesUpdated()
    {
        await using var h = new RuntimeHarness();
        var result = await h.ApplyAsync("""
            testcomponents.source "top" { initial = 2 }
            testcomponents.passthrough "left" { input = testcomponents.source.top.output + 1 }
            testcomponents.passthrough "right" { input = testcomponents.source.top.output * 2 }
            testcomponents.passthrough "join" { input = testcomponents.passthrough.left.output + testcomponents.passthrough.right.output }
            """);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Equal(7, OutputOf(h.Node("testcomponents.passthrough.join")));
        var join = h.Instance<PassthroughComponent>("testcomponents.passthrough.join");

        h.Instance<SourceComponent>("testcomponents.source.top").Publish(Value.Int(10));
        await RuntimeHarness.EventuallyAsync(() => OutputOf(h.Node("testcomponents.passthrough.join")) == 31, "join sees 11 + 20");

        // Both branches changed in one batch, so the join was evaluated once with both new values.
        Assert.Equal(1, join.Updates);
    }

    [Fact]
    public async Task UnchangedExportsDoNotUpdateDependantsAndUnchangedArgumentsDoNotCallUpdate()
    {
        await using var h = new RuntimeHarness();
        await h.ApplyAsync("""
            testcomponents.source "s" { initial = 3 }
            testcomponents.passthrough "p" { input = testcomponents.source.s.output > 0 }
            """);
        var p = h.Instance<PassthroughComponent>("testcomponents.passthrough.p");

        // 3 → 4: the source's exports change, p is re-evaluated, but its argument (true) is deep-equal: no Update.
        // Count evaluations rather than read the health message: the run loop's "started" report may land later.
        var before = h.Node("testcomponents.passthrough.p").Evaluations;
        h.Instance<SourceComponent>("testcomponents.source.s").Publish(Value.Int(4));
        await RuntimeHarness.EventuallyAsync(() => h.Node("testcomponents.passthrough.p").Evaluations > before, "p evaluated");
        await Task.Delay(100);
        Assert.Equal(0, p.Updates);

        h.Instance<SourceComponent>("testcomponents.source.s").Publish(Value.Int(-1));
        await RuntimeHarness.EventuallyAsync(() => p.Updates == 1, "p updated once");
        Assert.Equal(Value.False, p.Current.Input);
    }

    [Fact]
    public async Task ReloadKeepsUnchangedUpdatesChangedRemovesAndAddsComponents()
    {
        await using var h = new RuntimeHarness();
        await h.ApplyAsync("""
            testcomponents.passthrough "keep" { input = 1 }
            testcomponents.passthrough "change" { input = 2 }
            testcomponents.disposable "remove" { input = 3 }
            """);
        var keep = h.Instance<PassthroughComponent>("testcomponents.passthrough.keep");
        var change = h.Instance<PassthroughComponent>("testcomponents.passthrough.change");
        var remove = h.Instance<DisposablePassthroughComponent>("testcomponents.disposable.remove");

        var result = await h.ApplyAsync("""
            testcomponents.passthrough "keep" { input = 1 }
            testcomponents.passthrough "change" { input = 20 }
            testcomponents.passthrough "add" { input = testcomponents.passthrough.change.output + 1 }
            """);

        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Same(keep, h.Node("testcomponents.passthrough.keep").Instance);
        Assert.Equal(0, keep.Updates);
        Assert.Same(change, h.Node("testcomponents.passthrough.change").Instance);
        Assert.Equal(1, change.Updates);
        Assert.True(remove.Disposed);
        Assert.False(h.Controller.TryGetComponent("testcomponents.disposable.remove", out _));
        await RuntimeHarness.EventuallyAsync(() => OutputOf(h.Node("testcomponents.passthrough.add")) == 21, "add sees the changed export");
        Assert.Equal(["testcomponents.passthrough.keep", "testcomponents.passthrough.change", "testcomponents.passthrough.add"],
            h.Controller.Components.Select(n => n.Id));
    }

    [Fact]
    public async Task InvalidReloadLeavesTheRunningGraphUntouched()
    {
        await using var h = new RuntimeHarness();
        await h.ApplyAsync("""
            testcomponents.passthrough "a" { input = 1 }
            testcomponents.passthrough "b" { input = testcomponents.passthrough.a.output }
            """);
        var a = h.Instance<PassthroughComponent>("testcomponents.passthrough.a");

        // A valid change to a, a new component, and one error elsewhere: nothing at all may be applied.
        var result = await h.ApplyAsync("""
            testcomponents.passthrough "a" { input = 100 }
            testcomponents.passthrough "b" { input = testcomponents.passthrough.a.output }
            testcomponents.passthrough "c" { input = testcomponents.passthrough.nope.output }
            """);

        Assert.False(result.Success);
        var error = Assert.Single(result.Errors);
        Assert.Equal("component \"testcomponents.passthrough.nope.output\" does not exist or is out of scope", error.Message);
        Assert.Equal("main.alloy:3:42", error.Location);
        Assert.Same(a, h.Node("testcomponents.passthrough.a").Instance);
        Assert.Equal(0, a.Updates);
        Assert.Equal(1, OutputOf(h.Node("testcomponents.passthrough.b")));
        Assert.False(h.Controller.TryGetComponent("testcomponents.passthrough.c", out _));
        Assert.Equal("1", h.Node("testcomponents.passthrough.a").Exports is ObjectValue o ? o.Fields["output"].ToString() : "");
    }

    [Fact]
    public async Task ReloadWithAnEvaluationErrorDisposesTheComponentsItBuiltAndKeepsTheOldOnes()
    {
        await using var h = new RuntimeHarness();
        await h.ApplyAsync("""testcomponents.passthrough "a" { input = 1 }""");
        var result = await h.ApplyAsync("""
            testcomponents.passthrough "a" { input = 1 }
            testcomponents.disposable "new" { input = 5 }
            testcomponents.passthrough "bad" { input = "x" + 1 }
            """);
        Assert.False(result.Success);
        Assert.Single(h.Controller.Components);
        Assert.False(h.Controller.TryGetComponent("testcomponents.disposable.new", out _));
    }

    [Fact]
    public async Task AComponentThatThrowsTurnsUnhealthyAndRestartsWithBackoffWhileOthersRun()
    {
        var stats = new FailingStats();
        await using var h = new RuntimeHarness(stats, backoff: TimeSpan.FromMilliseconds(100));
        await h.ApplyAsync("""
            testcomponents.failing "f" {
                fail_after_ms = 10
                message = "disk on fire"
            }
            testcomponents.passthrough "ok" { input = 1 }
            """);

        await RuntimeHarness.EventuallyAsync(() => h.Node("testcomponents.failing.f").Health.State == HealthState.Unhealthy, "failing turns unhealthy");
        Assert.Equal("component shut down with error: disk on fire", h.Node("testcomponents.failing.f").Health.Message);
        await RuntimeHarness.EventuallyAsync(() => stats.BuildTimes.Count >= 4, "three restarts", 10000);

        // Gaps between builds grow: 100 ms, then 200 ms, then 400 ms (plus the 10 ms run each time).
        var times = stats.BuildTimes.ToArray();
        var gaps = Enumerable.Range(1, 3).Select(i => (times[i] - times[i - 1]).TotalMilliseconds).ToArray();
        Assert.True(gaps[0] >= 100, $"first gap {gaps[0]}");
        Assert.True(gaps[1] >= 200, $"second gap {gaps[1]}");
        Assert.True(gaps[2] >= 400, $"third gap {gaps[2]}");
        Assert.True(h.Node("testcomponents.failing.f").Restarts >= 3);

        var ok = h.Node("testcomponents.passthrough.ok");
        Assert.Equal(HealthState.Healthy, ok.Health.State);
        Assert.Equal(0, ok.Restarts);
    }

    [Fact]
    public async Task APassiveComponentRunsNoLoopYetReportsStartedUpdatesAndStopsLikeAnyOther()
    {
        await using var h = new RuntimeHarness();
        var result = await h.ApplyAsync("""
            testcomponents.source "s" { initial = 1 }
            testcomponents.passive "p" { input = testcomponents.source.s.output + 1 }
            testcomponents.passthrough "after" { input = testcomponents.passive.p.output * 10 }
            """);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var node = h.Node("testcomponents.passive.p");

        // Started as soon as the load is done (no loop to wait for); RunAsync, which throws, was never called.
        Assert.Equal(HealthState.Healthy, node.Health.State);
        Assert.Contains(node.Health.Message, new[] { "component evaluated", "started component" }); // the newer of the two
        Assert.Equal(0, node.Restarts);
        Assert.Equal(20, OutputOf(h.Node("testcomponents.passthrough.after")));

        h.Instance<SourceComponent>("testcomponents.source.s").Publish(Value.Int(4));
        await RuntimeHarness.EventuallyAsync(() => OutputOf(h.Node("testcomponents.passthrough.after")) == 50, "update through the passive component");
        Assert.Equal(HealthState.Healthy, node.Health.State);
        Assert.Equal(0, node.Restarts);

        // Removed by a reload: reported exited and disposed, as a component whose loop was cancelled.
        var instance = h.Instance<PassivePassthroughComponent>("testcomponents.passive.p");
        Assert.True((await h.ApplyAsync("""testcomponents.source "s" { initial = 1 }""")).Success);
        Assert.True(instance.Disposed);
        Assert.Equal(HealthState.Exited, node.Health.State);
        Assert.Equal("component shut down cleanly", node.Health.Message);
    }

    [Fact]
    public async Task HealthIsTheLeastHealthyOfEvaluationRunAndTheComponentsOwnReport()
    {
        await using var h = new RuntimeHarness();
        await h.ApplyAsync("""testcomponents.secret "s" { password = "hunter2" }""");
        var node = h.Node("testcomponents.secret.s");
        await RuntimeHarness.EventuallyAsync(() => node.Health.Message == "started component", "run loop started");
        Assert.Equal(HealthState.Healthy, node.Health.State);

        var component = h.Instance<SecretComponent>("testcomponents.secret.s");
        component.CurrentHealth = ComponentHealth.Unhealthy("upstream down");
        Assert.Equal(HealthState.Unhealthy, node.Health.State);
        Assert.Equal("upstream down", node.Health.Message);

        var exited = new ComponentHealth(HealthState.Exited, "gone", DateTimeOffset.UtcNow.AddDays(-1));
        var unhealthy = ComponentHealth.Unhealthy("bad");
        var unknown = new ComponentHealth(HealthState.Unknown, "?", DateTimeOffset.UtcNow);
        Assert.Same(exited, HealthAggregation.LeastHealthy(unhealthy, exited, unknown));
        Assert.Same(unhealthy, HealthAggregation.LeastHealthy(ComponentHealth.Healthy(), unhealthy, unknown));
        Assert.Same(unknown, HealthAggregation.LeastHealthy(ComponentHealth.Healthy(), unknown));
    }

    [Fact]
    public async Task EvaluationFailureAfterLoadKeepsTheLastGoodArgumentsAndReportsUnhealthy()
    {
        await using var h = new RuntimeHarness();
        await h.ApplyAsync("""
            testcomponents.source "s" { initial = 1 }
            testcomponents.passthrough "p" { input = 10 / testcomponents.source.s.output }
            """);
        var p = h.Instance<PassthroughComponent>("testcomponents.passthrough.p");
        h.Instance<SourceComponent>("testcomponents.source.s").Publish(Value.String("text"));
        await RuntimeHarness.EventuallyAsync(() => h.Node("testcomponents.passthrough.p").Health.State == HealthState.Unhealthy, "p unhealthy");
        Assert.StartsWith("component evaluation failed: main.alloy:2:", h.Node("testcomponents.passthrough.p").Health.Message);
        Assert.Equal(Value.Int(10), p.Current.Input);
    }
}
