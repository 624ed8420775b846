using River.Components;
using River.Diagnostics;
using River.Runtime;

namespace River.Components.Tests.Examples;

/// <summary>The configs under examples/ — the seed document's two examples and the quickstart — validate as shipped.</summary>
[Collection("environment")]
public class ExampleConfigTests
{
    [Fact]
    public void TheQuickstartValidates() => AssertValid("quickstart.alloy");

    [Fact]
    public void TheSeedMetricsExampleValidatesWithItsPlaceholdersFilled()
    {
        // The seed's Metrics example has no output block on beyla.ebpf although its table calls the block required:
        // both are accepted.
        WithEnvironment(
            new()
            {
                ["OPEN_PORT"] = "8080",
                ["REMOTE_WRITE_URL"] = "http://127.0.0.1:9090/api/v1/write",
                ["RW_USERNAME"] = "user",
                ["RW_PASSWORD"] = "password",
            },
            () => AssertValid("metrics.alloy"));
    }

    [Fact]
    public void TheSeedTracesExampleValidatesWithItsEndpointFilled() =>
        WithEnvironment(new() { ["OTLP_ENDPOINT"] = "collector.example:4317" }, () => AssertValid("traces.alloy"));

    [Fact]
    public void TheSeedTracesExampleWithoutAnEndpointIsRefusedAtTheEndpoint()
    {
        WithEnvironment(new() { ["OTLP_ENDPOINT"] = null }, () =>
        {
            var diagnostics = RiverHost.Validate(ExamplePath("traces.alloy"), ComponentCatalog.All, StabilityLevel.PublicPreview);
            var error = Assert.Single(diagnostics, d => d.Severity == Severity.Error);
            Assert.Contains("endpoint", error.Message, StringComparison.Ordinal);
            Assert.Equal((16, 20), error.Source!.GetLineColumn(error.Span.Start));
        });
    }

    [Fact]
    public void AnUnresolvedReferenceIsReportedOnceNotAgainAsAMissingIdentifier()
    {
        var path = Path.Combine(Path.GetTempPath(), $"river-ref-{Guid.NewGuid():N}.alloy");
        File.WriteAllText(path, "discovery.relabel \"a\" {\n  targets = discovery.relabel.zz.output\n}\n");
        try
        {
            var diagnostics = RiverHost.Validate(path, ComponentCatalog.All, StabilityLevel.PublicPreview);
            var error = Assert.Single(diagnostics);
            Assert.Equal("component \"discovery.relabel.zz.output\" does not exist or is out of scope", error.Message);
            Assert.Equal((2, 13), error.Source!.GetLineColumn(error.Span.Start));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void AssertValid(string name)
    {
        var diagnostics = RiverHost.Validate(ExamplePath(name), ComponentCatalog.All, StabilityLevel.PublicPreview);
        Assert.True(diagnostics.All(d => d.Severity != Severity.Error), DiagnosticRenderer.Render(diagnostics));
    }

    private static void WithEnvironment(Dictionary<string, string?> variables, Action action)
    {
        var saved = variables.Keys.ToDictionary(k => k, Environment.GetEnvironmentVariable);
        try
        {
            foreach (var (key, value) in variables)
            {
                Environment.SetEnvironmentVariable(key, value);
            }

            action();
        }
        finally
        {
            foreach (var (key, value) in saved)
            {
                Environment.SetEnvironmentVariable(key, value);
            }
        }
    }

    private static string ExamplePath(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Beyla.River.sln")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        return Path.Combine(dir.FullName, "examples", name);
    }
}
