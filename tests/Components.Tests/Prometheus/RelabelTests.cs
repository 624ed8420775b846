using River.Components.Discovery.Relabel;
using River.Components.Prom.Relabel;
using River.Components.Telemetry.Metrics;
using River.Values;

namespace River.Tests.Prom;

public sealed class RelabelTests
{
    private static LabelSet? Run(LabelSet input, params RelabelRule[] rules) => Relabeler.Process(input, CompiledRelabelRule.CompileAll(rules));

    private static readonly LabelSet Target = LabelSet.Of("__address__", "10.0.0.1:9100", "__meta_kubernetes_pod_name", "web-1", "__meta_kubernetes_namespace", "prod", "job", "node", "env", "Staging");

    [Fact]
    public void ReplaceExpandsCaptureGroupsIntoTheTargetLabel()
    {
        var r = Run(Target, new RelabelRule { SourceLabels = ["__address__"], Regex = "([^:]+):\\d+", TargetLabel = "host", Replacement = "$1" });
        Assert.Equal("10.0.0.1", r!.Get("host"));
    }

    [Fact]
    public void ReplaceJoinsSourceLabelsWithTheSeparatorAndTreatsMissingAsEmpty()
    {
        var r = Run(Target, new RelabelRule { SourceLabels = ["job", "missing", "env"], Separator = "/", TargetLabel = "joined" });
        Assert.Equal("node//Staging", r!.Get("joined"));
    }

    [Fact]
    public void ReplaceWithEmptyResultDeletesTheTargetLabel()
    {
        var r = Run(Target, new RelabelRule { SourceLabels = ["missing"], TargetLabel = "env", Replacement = "$1" });
        Assert.False(r!.Has("env"));
    }

    [Fact]
    public void ReplaceDoesNothingWhenTheRegexDoesNotMatchTheWholeValue()
    {
        // Fully anchored: "prod" does not match "pro", even though it contains it.
        var r = Run(Target, new RelabelRule { SourceLabels = ["__meta_kubernetes_namespace"], Regex = "pro", TargetLabel = "ns", Replacement = "x" });
        Assert.False(r!.Has("ns"));
    }

    [Fact]
    public void ReplaceFollowsGoTemplateRulesForDollarNames()
    {
        // "$1x" is the (missing) group named "1x" in Go, so it expands to empty; "${1}x" is group 1 followed by x.
        var r = Run(LabelSet.Of("a", "v"),
            new RelabelRule { SourceLabels = ["a"], TargetLabel = "b", Replacement = "$1x" },
            new RelabelRule { SourceLabels = ["a"], TargetLabel = "c", Replacement = "${1}x" },
            new RelabelRule { SourceLabels = ["a"], TargetLabel = "d", Replacement = "$$1" });
        Assert.False(r!.Has("b"));
        Assert.Equal("vx", r.Get("c"));
        Assert.Equal("$1", r.Get("d"));
    }

    [Fact]
    public void NamedGroupsAreNumberedInGoOrder()
    {
        // .NET would number the unnamed group first; Go numbers left to right.
        var r = Run(LabelSet.Of("a", "left-right"), new RelabelRule { SourceLabels = ["a"], Regex = "(?P<first>[a-z]+)-([a-z]+)", TargetLabel = "b", Replacement = "$2:$first:$1" });
        Assert.Equal("right:left:left", r!.Get("b"));
    }

    [Fact]
    public void ReplaceCanTemplateTheTargetLabelName()
    {
        var r = Run(Target, new RelabelRule { SourceLabels = ["job"], Regex = "(.*)", TargetLabel = "label_$1", Replacement = "yes" });
        Assert.Equal("yes", r!.Get("label_node"));
    }

    [Fact]
    public void KeepDropsTargetsThatDoNotMatch()
    {
        Assert.NotNull(Run(Target, new RelabelRule { SourceLabels = ["job"], Regex = "node|app", Action = "keep" }));
        Assert.Null(Run(Target, new RelabelRule { SourceLabels = ["job"], Regex = "app", Action = "keep" }));
    }

    [Fact]
    public void DropDropsTargetsThatMatch()
    {
        Assert.Null(Run(Target, new RelabelRule { SourceLabels = ["__meta_kubernetes_namespace"], Regex = "prod", Action = "drop" }));
        Assert.NotNull(Run(Target, new RelabelRule { SourceLabels = ["__meta_kubernetes_namespace"], Regex = "dev", Action = "drop" }));
    }

    [Fact]
    public void HashModMatchesPrometheusValues()
    {
        // MD5("10.0.0.1:9100"), low 8 bytes big-endian, mod 1000 — recomputed independently below.
        var r = Run(Target, new RelabelRule { SourceLabels = ["__address__"], Modulus = 1000, TargetLabel = "shard", Action = "hashmod" });
        var digest = System.Security.Cryptography.MD5.HashData("10.0.0.1:9100"u8);
        var expected = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(digest.AsSpan(8)) % 1000;
        Assert.Equal(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), r!.Get("shard"));
    }

    [Fact]
    public void LabelMapCopiesMatchingLabelsUnderNewNames()
    {
        var r = Run(Target, new RelabelRule { Regex = "__meta_kubernetes_(.+)", Replacement = "k8s_$1", Action = "labelmap" });
        Assert.Equal("web-1", r!.Get("k8s_pod_name"));
        Assert.Equal("prod", r.Get("k8s_namespace"));
        Assert.Equal("web-1", r.Get("__meta_kubernetes_pod_name")); // the original stays
    }

    [Fact]
    public void LabelDropRemovesLabelsWhoseNamesMatch()
    {
        var r = Run(Target, new RelabelRule { Regex = "__meta_.*", Action = "labeldrop" });
        Assert.Equal(["__address__", "env", "job"], r!.AsSpan().ToArray().Select(l => l.Name));
    }

    [Fact]
    public void LabelKeepRemovesLabelsWhoseNamesDoNotMatch()
    {
        var r = Run(Target, new RelabelRule { Regex = "job|env", Action = "labelkeep" });
        Assert.Equal(["env", "job"], r!.AsSpan().ToArray().Select(l => l.Name));
    }

    [Fact]
    public void LowercaseAndUppercaseWriteTheTransformedValue()
    {
        var r = Run(Target,
            new RelabelRule { SourceLabels = ["env"], TargetLabel = "env_lower", Action = "lowercase" },
            new RelabelRule { SourceLabels = ["env"], TargetLabel = "env_upper", Action = "uppercase" });
        Assert.Equal("staging", r!.Get("env_lower"));
        Assert.Equal("STAGING", r.Get("env_upper"));
    }

    [Fact]
    public void KeepEqualAndDropEqualCompareWithTheTargetLabel()
    {
        var t = LabelSet.Of("a", "1", "b", "1", "c", "2");
        Assert.NotNull(Run(t, new RelabelRule { SourceLabels = ["a"], TargetLabel = "b", Action = "keepequal" }));
        Assert.Null(Run(t, new RelabelRule { SourceLabels = ["a"], TargetLabel = "c", Action = "keepequal" }));
        Assert.Null(Run(t, new RelabelRule { SourceLabels = ["a"], TargetLabel = "b", Action = "dropequal" }));
        Assert.NotNull(Run(t, new RelabelRule { SourceLabels = ["a"], TargetLabel = "c", Action = "dropequal" }));
    }

    [Fact]
    public void RegexDollarDoesNotMatchBeforeATrailingNewline()
    {
        // Go's $ (and our \z) does not match before a final "\n"; .NET's $ would.
        Assert.Null(Run(LabelSet.Of("a", "x\n"), new RelabelRule { SourceLabels = ["a"], Regex = "x", Action = "keep" }));
    }

    [Theory]
    [InlineData("action", "bogus", "unknown relabel action \"bogus\"")]
    [InlineData("regex", "(", "invalid regex \"(\"")]
    [InlineData("modulus", "hashmod", "requires a non-zero modulus")]
    [InlineData("target_label", "uppercase", "requires a target_label")]
    public void InvalidRulesAreReportedOnTheAttributeConcerned(string attribute, string value, string message)
    {
        var rule = attribute == "regex" ? new RelabelRule { Regex = value } : new RelabelRule { Action = value, SourceLabels = ["a"] };
        var ctx = new ValidationContext();
        rule.Validate(ctx);
        var (name, text) = Assert.Single(ctx.Errors);
        Assert.Equal(attribute, name);
        Assert.Contains(message, text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("host-1:9090", "instance", "$1")]
    [InlineData("", "instance", "$1")]
    [InlineData("two\nlines", "instance", "$1")]
    [InlineData("cr\r", "instance", "${1}")]
    [InlineData("v", "instance", "literal")]
    [InlineData("v", "$1", "x")]
    [InlineData("v", "instance", "pre-$1-$0-$2")]
    [InlineData("bad-name", "$1", "x")]
    public void TheDefaultRegexTakesTheSameDecisionsAsAnEquivalentPatternRunThroughTheEngine(string value, string target, string replacement)
    {
        // "(.*)" is expanded without running the regex; "(.*?)" is the same language and groups, always run.
        var map = new Dictionary<string, string> { ["a"] = value, ["instance"] = "old" };
        RelabelRule Rule(string regex) => new() { SourceLabels = ["a"], Regex = regex, TargetLabel = target, Replacement = replacement };
        var fast = Relabeler.ProcessTarget(map, CompiledRelabelRule.CompileAll([Rule(RelabelRegex.DefaultPattern)]));
        var slow = Relabeler.ProcessTarget(map, CompiledRelabelRule.CompileAll([Rule("(.*?)")]));
        Assert.Equal(slow, fast);
        Assert.Equal(Run(LabelSet.FromDictionary(map), Rule(RelabelRegex.DefaultPattern))?.ToDictionary(), fast);
    }

    [Fact]
    public void ARuleIsCompiledOnceWhileUnchangedAndAgainAfterAChange()
    {
        var rule = new RelabelRule { SourceLabels = ["a"], TargetLabel = "b" };
        var first = CompiledRelabelRule.Compile(rule);
        Assert.Same(first, CompiledRelabelRule.Compile(rule));

        rule.SourceLabels.Add("c");
        var second = CompiledRelabelRule.Compile(rule);
        Assert.NotSame(first, second);
        Assert.Equal(["a", "c"], second.SourceLabels);

        rule.Action = "hashmod"; // now invalid without a modulus: the earlier compilation must not hide it
        Assert.False(CompiledRelabelRule.TryCompile(rule, out _, out var error));
        Assert.Equal("modulus", error!.Value.Attribute);
    }
}
