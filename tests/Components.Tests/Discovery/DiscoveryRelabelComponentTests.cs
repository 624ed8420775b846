using River.Components.Discovery.Relabel;
using River.Components.Prom.Relabel;

namespace River.Tests.Prom;

public sealed class DiscoveryRelabelComponentTests
{
    [Fact]
    public void OutputHoldsRelabelledTargetsAndDropsFilteredOnes()
    {
        object? published = null;
        var args = new DiscoveryRelabelArguments
        {
            Targets =
            [
                new() { ["__address__"] = "a:80", ["__meta_env"] = "prod" },
                new() { ["__address__"] = "b:80", ["__meta_env"] = "dev" },
            ],
            Rules =
            [
                new RelabelRule { SourceLabels = ["__meta_env"], Regex = "prod", Action = "keep" },
                new RelabelRule { SourceLabels = ["__meta_env"], TargetLabel = "env" },
            ],
        };
        var c = new DiscoveryRelabelComponent(PromTest.Options("discovery.relabel.x", PromTest.TempDir("dr"), onState: e => published = e), args);
        var exports = Assert.IsType<DiscoveryRelabelExports>(published);
        var only = Assert.Single(exports.Output);
        Assert.Equal("a:80", only["__address__"]);
        Assert.Equal("prod", only["env"]);
        Assert.Equal(2, exports.Rules.Count);
        Assert.Equal(River.Runtime.HealthState.Healthy, HealthStateOf(c));
    }

    [Fact]
    public void NoRulesPassTargetsUnchanged()
    {
        var args = new DiscoveryRelabelArguments { Targets = [new() { ["__address__"] = "a:80", ["x"] = "y" }] };
        var c = new DiscoveryRelabelComponent(PromTest.Options("discovery.relabel.y", PromTest.TempDir("dr")), args);
        Assert.Equal(args.Targets, c.Exports.Output);
    }

    private static River.Runtime.HealthState HealthStateOf(DiscoveryRelabelComponent c) => c.CurrentHealth.State;
}
