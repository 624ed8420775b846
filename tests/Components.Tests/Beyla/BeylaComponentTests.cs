using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using River.Components.Beyla;
using River.Runtime;

namespace River.Components.Tests.Beyla;

public class BeylaComponentTests
{
    private sealed class RecordingRoutes : IRouteRegistrar
    {
        public Dictionary<string, Func<HttpContext, Task>> Get { get; } = [];

        public void MapGet(string relativePath, Func<HttpContext, Task> handler) => Get[relativePath] = handler;

        public void MapPost(string relativePath, Func<HttpContext, Task> handler) => throw new InvalidOperationException("no POST routes expected");
    }

    [Fact]
    public async Task ComponentExportsItsMetricsRouteAsATargetAndServesTheExposition()
    {
        var routes = new RecordingRoutes();
        object? exports = null;
        using var handler = new HttpClientHandler();
        var options = new ComponentOptions
        {
            Id = "beyla.ebpf.default",
            Logger = NullLogger.Instance,
            DataPath = Path.GetTempPath(),
            OnStateChange = e => exports = e,
            Routes = routes,
            HttpHandler = handler,
        };
        var args = new BeylaArguments { OpenPort = "1" };
        args.Attributes.InstanceId.OverrideHostname = "testhost";
        var component = new BeylaComponent(options, args);

        var target = Assert.Single(Assert.IsType<BeylaExports>(exports).Targets);
        Assert.Equal("river.internal:12345", target["__address__"]);
        Assert.Equal("/api/v0/component/beyla.ebpf.default/metrics", target["__metrics_path__"]);

        using var cts = new CancellationTokenSource();
        var run = component.RunAsync(cts.Token);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (component.Tracer is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.NotNull(component.Tracer);
        Assert.Equal(HealthState.Healthy, component.CurrentHealth.State);
        component.Tracer.Metrics.AddLostEvents(2);

        var context = new DefaultHttpContext();
        using var body = new MemoryStream();
        context.Response.Body = body;
        await routes.Get["metrics"](context);
        var text = System.Text.Encoding.UTF8.GetString(body.ToArray());
        Assert.Contains("beyla_ebpf_lost_events_total 2", text, StringComparison.Ordinal);
        Assert.StartsWith("text/plain", context.Response.ContentType, StringComparison.Ordinal);

        await cts.CancelAsync();
        await run;
    }
}
