using Microsoft.Extensions.Logging;

namespace River.Runtime;

/// <summary>
/// A running component. The runtime constructs it through its registration's factory with its options and first
/// arguments, calls <see cref="RunAsync"/> once, and <see cref="Update"/> whenever its arguments change (deep
/// inequality only). Disposal happens after <see cref="RunAsync"/> has returned.
/// </summary>
public interface IComponent
{
    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled, then flushes and returns.</summary>
    Task RunAsync(CancellationToken cancellationToken);

    /// <summary>Applies new, already validated arguments (an instance of the registration's argument type).</summary>
    void Update(object arguments);
}

/// <summary>
/// Implemented by components with nothing to run: all their work happens when they are built and in
/// <see cref="IComponent.Update"/>, and their <see cref="IComponent.RunAsync"/> only waits for cancellation. The
/// runtime starts no run loop for them (no task, cancellation source or timer registration per component, which
/// for a config of thousands of such components is a real share of the start): they are reported running from
/// start to stop, and <see cref="IComponent.RunAsync"/> is never called.
/// </summary>
public interface IPassiveComponent : IComponent
{
    /// <summary>Only waits for cancellation (the runtime does not call it; a caller that does gets that).</summary>
    Task IComponent.RunAsync(CancellationToken cancellationToken) =>
        Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(static _ => { }, TaskScheduler.Default);
}

/// <summary>Implemented by components that report their own health; others are healthy while running.</summary>
public interface IHealthReporter
{
    /// <summary>The component's current view of its health.</summary>
    ComponentHealth CurrentHealth { get; }
}

/// <summary>Health states, named as Alloy names them.</summary>
public enum HealthState
{
    /// <summary>Not yet known.</summary>
    Unknown,

    /// <summary>Working.</summary>
    Healthy,

    /// <summary>Not working; the message says why.</summary>
    Unhealthy,

    /// <summary>Its run loop ended.</summary>
    Exited,
}

/// <summary>A health report: state, message and when it was last updated.</summary>
public sealed record ComponentHealth(HealthState State, string Message, DateTimeOffset UpdatedTime)
{
    /// <summary>A healthy report stamped now.</summary>
    public static ComponentHealth Healthy(string message = "") => new(HealthState.Healthy, message, DateTimeOffset.UtcNow);

    /// <summary>An unhealthy report stamped now.</summary>
    public static ComponentHealth Unhealthy(string message) => new(HealthState.Unhealthy, message, DateTimeOffset.UtcNow);
}

/// <summary>Lets a component serve HTTP routes under <c>/api/v0/component/{id}/</c>.</summary>
public interface IRouteRegistrar
{
    /// <summary>Serves GET <c>/api/v0/component/{id}/{relativePath}</c> with <paramref name="handler"/>.</summary>
    void MapGet(string relativePath, Func<Microsoft.AspNetCore.Http.HttpContext, Task> handler);

    /// <summary>Serves POST <c>/api/v0/component/{id}/{relativePath}</c> with <paramref name="handler"/>.</summary>
    void MapPost(string relativePath, Func<Microsoft.AspNetCore.Http.HttpContext, Task> handler);
}

/// <summary>What a component is given when it is built.</summary>
public sealed record ComponentOptions
{
    private readonly Func<Prometheus.CollectorRegistry>? _registryFactory;
    private readonly ComponentNode? _node;
    private Prometheus.CollectorRegistry? _registry;
    private string? _dataPath;

    /// <summary>The component id, <c>name.label</c>.</summary>
    public required string Id { get; init; }

    /// <summary>A logger tagged with the component id.</summary>
    public required ILogger Logger { get; init; }

    /// <summary>
    /// A directory of the component's own under <c>--storage.path</c> (created on first use by the component). For a
    /// component built by the runtime the path is joined on first read: most components never read it.
    /// </summary>
    public string DataPath
    {
        get => _dataPath ??= _node is not null
            ? Path.Combine(_node.StorageRoot, Id)
            : throw new InvalidOperationException("these component options were made without a DataPath");
        init => _dataPath = value;
    }

    /// <summary>Publishes new exports (an instance of the registration's export type); dependents are re-evaluated.</summary>
    public required Action<object> OnStateChange { get; init; }

    /// <summary>Registers HTTP routes under the component's path.</summary>
    public required IRouteRegistrar Routes { get; init; }

    /// <summary>
    /// An HTTP handler that sends requests for the in-memory address (<c>river.internal:12345</c>) through an
    /// in-process stream into River's own server, and everything else through sockets.
    /// </summary>
    public required HttpMessageHandler HttpHandler { get; init; }

    /// <summary>The address other components use to reach this River's HTTP server in memory.</summary>
    public string InMemoryAddress { get; init; } = "river.internal:12345";

    /// <summary>
    /// Metrics registry for the component's own metrics (River's <c>/metrics</c>); labelled by component id. The
    /// runtime creates it on first read (<see cref="RegistryFactory"/>): most components register no metrics.
    /// </summary>
    public Prometheus.CollectorRegistry? Registry
    {
        get => _registry ?? (_registryFactory is { } create ? _registry = create() : _node is not null ? _registry = _node.Registry : null);
        init => _registry = value;
    }

    /// <summary>
    /// Creates <see cref="Registry"/> on its first read when it was not given; must return the same registry on every
    /// call (the component node's own, created once).
    /// </summary>
    public Func<Prometheus.CollectorRegistry>? RegistryFactory
    {
        init => _registryFactory = value;
    }

    /// <summary>
    /// The node the runtime builds the component for: its registry is <see cref="Registry"/> and its storage root
    /// the parent of <see cref="DataPath"/>, both made on first use (no delegate or path per component otherwise).
    /// </summary>
    internal ComponentNode? Node
    {
        init => _node = value;
    }
}

/// <summary>Stability levels, as Alloy's <c>--stability.level</c> names them.</summary>
public enum StabilityLevel
{
    /// <summary>experimental</summary>
    Experimental,

    /// <summary>public-preview</summary>
    PublicPreview,

    /// <summary>generally-available</summary>
    GenerallyAvailable,
}

/// <summary>
/// One entry of the component catalog: the name used in configs, the argument and export types, the stability level
/// and how to build an instance.
/// </summary>
public sealed record ComponentRegistration(
    string Name,
    Type ArgumentsType,
    Type? ExportsType,
    StabilityLevel Stability,
    Func<ComponentOptions, object, IComponent> Factory);

/// <summary>
/// Implemented by components that expose debug information for the UI (<c>debugInfo</c> in
/// <c>/api/v0/web/components/{id}</c>). It is encoded like exports but can never be referenced from expressions.
/// </summary>
public interface IDebugInfoProvider
{
    /// <summary>The current debug information (an object with [River] properties), or null for none.</summary>
    object? DebugInfo { get; }
}
