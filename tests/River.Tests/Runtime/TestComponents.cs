using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using River.Runtime;
using River.Values;

namespace River.Tests.Runtime;

// Test-only components, in the spirit of Alloy's internal testcomponents: small, observable, no mocks of the runtime.

/// <summary>Arguments of <c>testcomponents.passthrough</c>.</summary>
public sealed class PassthroughArguments
{
    [River("input", Required = true)]
    public Value Input { get; set; } = Value.Null;
}

/// <summary>Exports of <c>testcomponents.passthrough</c> and <c>testcomponents.source</c>.</summary>
public sealed class ValueExports
{
    [River("output")]
    public Value Output { get; set; } = Value.Null;
}

/// <summary>Exports its input as <c>output</c>; counts its updates.</summary>
public sealed class PassthroughComponent : IComponent
{
    private readonly ComponentOptions _options;
    private int _updates;

    public PassthroughComponent(ComponentOptions options, PassthroughArguments arguments)
    {
        _options = options;
        Current = arguments;
        options.OnStateChange(new ValueExports { Output = arguments.Input });
    }

    public PassthroughArguments Current { get; private set; }

    public int Updates => Volatile.Read(ref _updates);

    public bool Disposed { get; private set; }

    public Task RunAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);

    public void Update(object arguments)
    {
        Interlocked.Increment(ref _updates);
        Current = (PassthroughArguments)arguments;
        _options.OnStateChange(new ValueExports { Output = Current.Input });
    }
}

/// <summary>
/// <c>testcomponents.passive</c>: a passthrough with nothing to run. Its run loop must never be started: RunAsync
/// throws, and the node would report that as unhealthy.
/// </summary>
public sealed class PassivePassthroughComponent(ComponentOptions options, PassthroughArguments arguments) : IPassiveComponent, IDisposable
{
    private readonly PassthroughComponent _inner = new(options, arguments);

    public bool Disposed { get; private set; }

    public Task RunAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("a passive component is never run");

    public void Update(object arguments) => _inner.Update(arguments);

    public void Dispose() => Disposed = true;
}

/// <summary>Disposable passthrough, to observe removal.</summary>
public sealed class DisposablePassthroughComponent(ComponentOptions options, PassthroughArguments arguments) : IComponent, IDisposable
{
    private readonly PassthroughComponent _inner = new(options, arguments);

    public bool Disposed { get; private set; }

    public Task RunAsync(CancellationToken cancellationToken) => _inner.RunAsync(cancellationToken);

    public void Update(object arguments) => _inner.Update(arguments);

    public void Dispose() => Disposed = true;
}

/// <summary>Arguments of <c>testcomponents.source</c>.</summary>
public sealed class SourceArguments
{
    [River("initial")]
    public Value Initial { get; set; } = Value.Int(0);
}

/// <summary>Exports a value that the test changes at will with <see cref="Publish"/>.</summary>
public sealed class SourceComponent : IComponent
{
    private readonly ComponentOptions _options;

    public SourceComponent(ComponentOptions options, SourceArguments arguments)
    {
        _options = options;
        Publish(arguments.Initial);
    }

    public void Publish(Value value) => _options.OnStateChange(new ValueExports { Output = value });

    public Task RunAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);

    public void Update(object arguments) => Publish(((SourceArguments)arguments).Initial);
}

/// <summary>Arguments of <c>testcomponents.failing</c>.</summary>
public sealed class FailingArguments
{
    [River("fail_after_ms")]
    public int FailAfterMs { get; set; } = 20;

    [River("message")]
    public string Message { get; set; } = "boom";
}

/// <summary>Throws from RunAsync after a delay; every build is counted in the shared stats.</summary>
public sealed class FailingComponent : IComponent
{
    private readonly FailingArguments _arguments;

    public FailingComponent(FailingArguments arguments, FailingStats stats)
    {
        _arguments = arguments;
        stats.BuildTimes.Enqueue(DateTimeOffset.UtcNow);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(_arguments.FailAfterMs, cancellationToken);
        throw new InvalidOperationException(_arguments.Message);
    }

    public void Update(object arguments)
    {
    }
}

/// <summary>What the failing components of one test did.</summary>
public sealed class FailingStats
{
    public ConcurrentQueue<DateTimeOffset> BuildTimes { get; } = new();
}

/// <summary>Arguments of <c>testcomponents.route</c>.</summary>
public sealed class RouteArguments
{
    [River("body")]
    public string Body { get; set; } = "hello";
}

/// <summary>Exports of <c>testcomponents.route</c>.</summary>
public sealed class RouteExports
{
    [River("targets")]
    public List<Dictionary<string, string>> Targets { get; set; } = [];
}

/// <summary>Serves <c>GET metrics</c> under its component path and exports an in-memory target pointing at it.</summary>
public sealed class RouteComponent : IComponent
{
    private string _body;

    public RouteComponent(ComponentOptions options, RouteArguments arguments)
    {
        _body = arguments.Body;
        var requests = Prometheus.Metrics.WithCustomRegistry(options.Registry!)
            .CreateCounter("testcomponents_route_requests_total", "Requests served by the route component.");
        options.Routes.MapGet("metrics", context =>
        {
            requests.Inc();
            context.Response.ContentType = "text/plain";
            return context.Response.WriteAsync(_body);
        });
        options.Routes.MapPost("echo", async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            await context.Response.WriteAsync(await reader.ReadToEndAsync());
        });
        options.OnStateChange(new RouteExports
        {
            Targets =
            [
                new()
                {
                    ["__address__"] = options.InMemoryAddress,
                    ["__metrics_path__"] = $"/api/v0/component/{options.Id}/metrics",
                },
            ],
        });
    }

    public Task RunAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);

    public void Update(object arguments) => _body = ((RouteArguments)arguments).Body;
}

/// <summary>Arguments of <c>testcomponents.fetch</c>.</summary>
public sealed class FetchArguments
{
    [River("url", Required = true)]
    public string Url { get; set; } = "";
}

/// <summary>Exports of <c>testcomponents.fetch</c>.</summary>
public sealed class FetchExports
{
    [River("status")]
    public int Status { get; set; }

    [River("body")]
    public string Body { get; set; } = "";
}

/// <summary>GETs its URL with the runtime's handler and exports status and body.</summary>
public sealed class FetchComponent(ComponentOptions options, FetchArguments arguments) : IComponent
{
    private volatile FetchArguments _arguments = arguments;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var client = new HttpClient(options.HttpHandler, disposeHandler: false);
        while (!cancellationToken.IsCancellationRequested)
        {
            using var response = await client.GetAsync(_arguments.Url, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            options.OnStateChange(new FetchExports { Status = (int)response.StatusCode, Body = body });
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }

    public void Update(object arguments) => _arguments = (FetchArguments)arguments;
}

/// <summary>Arguments of <c>testcomponents.secret</c>.</summary>
public sealed class SecretArguments
{
    [River("password", Required = true)]
    public Secret Password { get; set; } = new("");

    [River("user")]
    public string User { get; set; } = "";
}

/// <summary>Holds a secret; reports the health the test sets and debug info.</summary>
public sealed class SecretComponent(ComponentOptions options, SecretArguments arguments) : IComponent, IHealthReporter, IDebugInfoProvider
{
    public ComponentHealth CurrentHealth { get; set; } = ComponentHealth.Healthy("ok");

    public object? DebugInfo => new DebugExports { Version = "1.2.3", Id = options.Id };

    public SecretArguments Arguments { get; } = arguments;

    public Task RunAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);

    public void Update(object arguments)
    {
    }
}

/// <summary>Debug info of <c>testcomponents.secret</c>.</summary>
public sealed class DebugExports
{
    [River("component_version")]
    public string Version { get; set; } = "";

    [River("id")]
    public string Id { get; set; } = "";
}

/// <summary>The catalog of test components.</summary>
public static class TestCatalog
{
    public static List<ComponentRegistration> Create(FailingStats? failing = null)
    {
        failing ??= new FailingStats();
        return
        [
            new("testcomponents.passthrough", typeof(PassthroughArguments), typeof(ValueExports), StabilityLevel.GenerallyAvailable,
                (o, a) => new PassthroughComponent(o, (PassthroughArguments)a)),
            new("testcomponents.passive", typeof(PassthroughArguments), typeof(ValueExports), StabilityLevel.GenerallyAvailable,
                (o, a) => new PassivePassthroughComponent(o, (PassthroughArguments)a)),
            new("testcomponents.disposable", typeof(PassthroughArguments), typeof(ValueExports), StabilityLevel.GenerallyAvailable,
                (o, a) => new DisposablePassthroughComponent(o, (PassthroughArguments)a)),
            new("testcomponents.source", typeof(SourceArguments), typeof(ValueExports), StabilityLevel.GenerallyAvailable,
                (o, a) => new SourceComponent(o, (SourceArguments)a)),
            new("testcomponents.failing", typeof(FailingArguments), null, StabilityLevel.GenerallyAvailable,
                (_, a) => new FailingComponent((FailingArguments)a, failing)),
            new("testcomponents.route", typeof(RouteArguments), typeof(RouteExports), StabilityLevel.GenerallyAvailable,
                (o, a) => new RouteComponent(o, (RouteArguments)a)),
            new("testcomponents.fetch", typeof(FetchArguments), typeof(FetchExports), StabilityLevel.GenerallyAvailable,
                (o, a) => new FetchComponent(o, (FetchArguments)a)),
            new("testcomponents.secret", typeof(SecretArguments), null, StabilityLevel.GenerallyAvailable,
                (o, a) => new SecretComponent(o, (SecretArguments)a)),
            new("testcomponents.experimental", typeof(PassthroughArguments), typeof(ValueExports), StabilityLevel.Experimental,
                (o, a) => new PassthroughComponent(o, (PassthroughArguments)a)),
        ];
    }
}
