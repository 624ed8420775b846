using River.Components;
using River.Diagnostics;
using River.Runtime;

namespace River.Tests.BeylaNetwork;

/// <summary>examples/network.alloy validates as shipped.</summary>
public sealed class NetworkExampleTests
{
    [Fact]
    public void TheNetworkExampleValidates()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Beyla.River.sln")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        var diagnostics = RiverHost.Validate(Path.Combine(dir.FullName, "examples", "network.alloy"), ComponentCatalog.All, StabilityLevel.PublicPreview);
        Assert.True(diagnostics.All(d => d.Severity != Severity.Error), DiagnosticRenderer.Render(diagnostics));
    }
}
