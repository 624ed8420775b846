using River.Runtime;
using River.Values;

namespace River.Tests.Runtime;

public class ReloadTests
{
    [Fact]
    public async Task HundredFileWritesInOneSecondEndWithExactlyTheLastConfigApplied()
    {
        var (h, result) = await HostHarness.StartAsync("""testcomponents.passthrough "p" { input = -1 }""", watch: true);
        await using var _ = h;
        Assert.True(result.Success);
        for (var i = 0; i < 100; i++)
        {
            // Half the writes go through a temporary file renamed over the config, as many editors save.
            var text = $"testcomponents.passthrough \"p\" {{ input = {i} }}\n";
            if (i % 2 == 0)
            {
                await File.WriteAllTextAsync(h.ConfigPath, text);
            }
            else
            {
                var temp = Path.Combine(h.Directory, ".main.alloy.swp");
                await File.WriteAllTextAsync(temp, text);
                File.Move(temp, h.ConfigPath, overwrite: true);
            }

            await Task.Delay(10);
        }

        var node = h.Host.Controller.Components.Single();
        await RuntimeHarness.EventuallyAsync(() => ((PassthroughArguments)node.Arguments!).Input.Equals(Value.Int(99)), "last write applied");
        await Task.Delay(500);
        Assert.Equal(Value.Int(99), ((PassthroughArguments)node.Arguments!).Input);
        Assert.Equal(Value.Int(99), ((ObjectValue)node.Exports).Fields["output"]);
        Assert.True(h.Host.Controller.LastResult!.Success);
        Assert.Single(h.Host.Controller.Components);
    }

    [Fact]
    public async Task AFileAppearingInTheConfigDirectoryIsLoadedAndItsRemovalUnloadsIt()
    {
        var (h, _) = await HostHarness.StartAsync("""testcomponents.passthrough "p" { input = 1 }""", watch: true);
        await using var __ = h;
        var extra = Path.Combine(h.Directory, "extra.alloy");
        await File.WriteAllTextAsync(extra, """testcomponents.passthrough "q" { input = testcomponents.passthrough.p.output }""");
        await RuntimeHarness.EventuallyAsync(() => h.Host.Controller.TryGetComponent("testcomponents.passthrough.q", out _), "q loaded");
        File.Delete(extra);
        await RuntimeHarness.EventuallyAsync(() => !h.Host.Controller.TryGetComponent("testcomponents.passthrough.q", out _), "q unloaded");
    }

    [Fact]
    public async Task AnInvalidEditIsReportedAndTheOldGraphKeepsRunning()
    {
        var (h, _) = await HostHarness.StartAsync("""testcomponents.passthrough "p" { input = 1 }""", watch: true);
        await using var __ = h;
        var instance = h.Host.Controller.Components.Single().Instance;
        await File.WriteAllTextAsync(h.ConfigPath, """testcomponents.passthrough "p" { input = 1 """);
        await RuntimeHarness.EventuallyAsync(() => h.Host.Controller.LastResult is { Success: false }, "failure recorded");
        Assert.Same(instance, h.Host.Controller.Components.Single().Instance);
        await RuntimeHarness.EventuallyAsync(() => h.Log.ToString().Contains("failed to reload config", StringComparison.Ordinal), "failure logged");
        Assert.Equal((200, "River is ready.\n"), await h.GetAsync("/-/ready"));
    }

    [Fact]
    public async Task RunAsyncPrintsTheDiagnosticsOfAFailedFirstLoadAndReturnsOne()
    {
        var directory = Directory.CreateTempSubdirectory("river-run-").FullName;
        try
        {
            var config = Path.Combine(directory, "bad.alloy");
            await File.WriteAllTextAsync(config, "testcomponents.passthrough \"a\" {\n  input = testcomponents.nothing.here\n}\n");
            var output = new StringWriter();
            var code = await RiverHost.RunAsync(
                new RunOptions
                {
                    ConfigPath = config,
                    Catalog = TestCatalog.Create(),
                    ListenAddress = "127.0.0.1:0",
                    StoragePath = Path.Combine(directory, "data"),
                    ErrorOutput = output,
                    HandleSignals = false,
                },
                CancellationToken.None);
            Assert.Equal(1, code);
            var text = output.ToString();
            Assert.Contains("bad.alloy:2:11: component \"testcomponents.nothing.here\" does not exist or is out of scope", text, StringComparison.Ordinal);
            Assert.Contains("  input = testcomponents.nothing.here", text, StringComparison.Ordinal);
            Assert.Contains("^^^", text, StringComparison.Ordinal);
            Assert.Contains("could not perform the initial load successfully", text, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task RunAsyncStopsEveryComponentAndReturnsZeroWhenCancelled()
    {
        var directory = Directory.CreateTempSubdirectory("river-run-").FullName;
        try
        {
            var config = Path.Combine(directory, "ok.alloy");
            await File.WriteAllTextAsync(config, "testcomponents.disposable \"a\" { input = 1 }\n");
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            var code = await RiverHost.RunAsync(
                new RunOptions
                {
                    ConfigPath = config,
                    Catalog = TestCatalog.Create(),
                    ListenAddress = "127.0.0.1:0",
                    StoragePath = Path.Combine(directory, "data"),
                    ErrorOutput = TextWriter.Null,
                    HandleSignals = false,
                },
                cts.Token);
            Assert.Equal(0, code);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
