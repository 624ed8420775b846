using River.Runtime;
using River.Values;

namespace River.Tests.Runtime;

public class InMemoryTrafficTests
{
    [Theory]
    [InlineData("river.internal:12345")]
    [InlineData("alloy.internal:12345")]
    public async Task AComponentReachesAnotherComponentsRouteThroughTheDuplexStreamWithoutASocket(string address)
    {
        var (h, result) = await HostHarness.StartAsync($$"""
            testcomponents.route "r" {
                body = "in memory"
            }

            testcomponents.fetch "f" {
                url = "http://{{address}}" + testcomponents.route.r.targets[0].__metrics_path__
            }
            """);
        await using var _ = h;
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var fetch = h.Host.Controller.Components.Single(c => c.Id == "testcomponents.fetch.f");
        await RuntimeHarness.EventuallyAsync(
            () => fetch.Exports is ObjectValue o && o.TryGet("body", out var body) && body.Equals(Value.String("in memory")),
            "fetch read the route's body");

        Assert.Equal(0, h.Host.HttpHandler.SocketConnections);
        Assert.True(h.Host.HttpHandler.Transport.AcceptedConnections >= 1);
        Assert.Equal(h.Host.HttpHandler.Transport.ClientConnections, h.Host.HttpHandler.Transport.AcceptedConnections);
    }

    [Fact]
    public async Task TheExportedTargetNamesTheInMemoryAddressAndTheComponentPath()
    {
        var (h, _) = await HostHarness.StartAsync("""testcomponents.route "r" { }""");
        await using var __ = h;
        var route = h.Host.Controller.Components.Single();
        var target = (ObjectValue)((ArrayValue)((ObjectValue)route.Exports).Fields["targets"])[0];
        Assert.Equal(Value.String("river.internal:12345"), target.Fields["__address__"]);
        Assert.Equal(Value.String("/api/v0/component/testcomponents.route.r/metrics"), target.Fields["__metrics_path__"]);
    }

    [Fact]
    public async Task OtherHostsStillGoThroughSockets()
    {
        var (h, _) = await HostHarness.StartAsync("""testcomponents.route "r" { }""");
        await using var __ = h;
        using var client = new HttpClient(h.Host.HttpHandler.Handler, disposeHandler: false);
        var body = await client.GetStringAsync(new Uri(h.BaseAddress, "/api/v0/component/testcomponents.route.r/metrics"));
        Assert.Equal("hello", body);
        Assert.Equal(1, h.Host.HttpHandler.SocketConnections);
        Assert.Equal(0, h.Host.HttpHandler.Transport.ClientConnections);
    }
}
