using Microsoft.Extensions.Logging;
using River.Diagnostics;
using River.Syntax;
using River.Values;

namespace River.Runtime;

/// <summary>
/// One component instance of the running configuration: its block, arguments, exports, health and supervised run
/// loop. A node outlives reloads as long as its id (and component type) stays: an unchanged component keeps the same
/// node and the same running instance.
/// </summary>
public sealed class ComponentNode
{
    private readonly Lock _gate = new();
    private readonly ComponentController _controller;
    private ComponentHealth _evalHealth;
    private ComponentHealth _runHealth;
    private CancellationTokenSource? _runCts;
    private Task? _runTask;
    private bool _passiveRunning;
    private Value? _exports = ObjectValue.Empty; // null: ExportsObject is not encoded yet
    private Value? _argumentsValue;
    private bool _argumentsEncoded;
    private Prometheus.CollectorRegistry? _registry;
    private string[]? _idParts;

    internal ComponentNode(ComponentController controller, ComponentRegistration registration, string id, BlockStatement block, SourceFile source, ComponentHealth? created = null)
    {
        _controller = controller;
        Registration = registration;
        Block = block;
        Source = source;
        Id = id;
        Label = block.Label ?? string.Empty;
        created ??= Created();
        _evalHealth = created;
        _runHealth = created;
        Routes = new ComponentRouteTable();
    }

    /// <summary>The component id, <c>name.label</c>.</summary>
    public string Id { get; }

    /// <summary>The health of a node not yet evaluated nor started (one record serves every node of a load).</summary>
    internal static ComponentHealth Created() => new(HealthState.Unknown, "component created", DateTimeOffset.UtcNow);

    /// <summary>The run health of a started component (one record serves every passive node started by a load).</summary>
    internal static ComponentHealth Started() => ComponentHealth.Healthy("started component");

    /// <summary>The id split at dots (where the exports sit in an evaluation scope); split on first use.</summary>
    internal string[] IdParts => _idParts ??= Id.Split('.');

    /// <summary>
    /// The River encoding of <see cref="Arguments"/>, to compare new arguments with (null when they cannot be encoded:
    /// they then always count as changed). Encoded on first use: a first load never needs it, and encoding every
    /// component's arguments was ≈ 10 % of a 10 000-component start. Read by the controller only.
    /// </summary>
    internal Value? ArgumentsValue
    {
        get
        {
            object? arguments;
            lock (_gate)
            {
                if (_argumentsEncoded)
                {
                    return _argumentsValue;
                }

                arguments = Arguments;
            }

            var encoded = arguments is null ? null : _controller.TryEncode(arguments);
            lock (_gate)
            {
                if (!_argumentsEncoded && ReferenceEquals(arguments, Arguments))
                {
                    (_argumentsValue, _argumentsEncoded) = (encoded, true);
                }
            }

            return encoded;
        }
    }

    /// <summary>The component type name, e.g. <c>prometheus.scrape</c>.</summary>
    public string Name => Registration.Name;

    /// <summary>The label.</summary>
    public string Label { get; }

    /// <summary>The registration the node was built from.</summary>
    public ComponentRegistration Registration { get; }

    /// <summary>The block currently applied (replaced on reload).</summary>
    public BlockStatement Block { get; internal set; }

    /// <summary>The file the block comes from.</summary>
    public SourceFile Source { get; internal set; }

    /// <summary>The last arguments successfully applied, or null before the first build.</summary>
    public object? Arguments { get; private set; }

    /// <summary>The running instance, or null when it never built.</summary>
    public IComponent? Instance { get; private set; }

    /// <summary>
    /// The exports as a value (an empty object until the component publishes). Exports published before the node
    /// joined the running graph are encoded on first read: most components of a large first load have no dependant.
    /// </summary>
    public Value Exports => Volatile.Read(ref _exports) ?? EncodeExports();

    /// <summary>The last exports object published (for schema-aware rendering), or null.</summary>
    public object? ExportsObject { get; private set; }

    /// <summary>Incremented at every change of <see cref="Exports"/>.</summary>
    public long ExportsVersion { get; private set; }

    /// <summary>The HTTP routes the component registered.</summary>
    public ComponentRouteTable Routes { get; }

    /// <summary>
    /// The component's own metrics registry (every series labelled <c>component_id</c>), created on first use: most
    /// components register no metrics, and a registry per component is a real share of a large config's start-up.
    /// </summary>
    public Prometheus.CollectorRegistry Registry => Volatile.Read(ref _registry) ?? CreateRegistry();

    /// <summary>The registry when something created it, else null (nothing to expose).</summary>
    internal Prometheus.CollectorRegistry? RegistryIfCreated => Volatile.Read(ref _registry);

    /// <summary>True once the node belongs to the installed graph (staged nodes of a failed reload never are).</summary>
    public bool IsLive { get; internal set; }

    /// <summary>How many times the supervisor restarted the component after a failure.</summary>
    public int Restarts { get; private set; }

    /// <summary>The combined health: the least healthy of evaluation, run loop and the component's own report.</summary>
    public ComponentHealth Health
    {
        get
        {
            ComponentHealth? reported = null;
            if (Instance is IHealthReporter reporter)
            {
                try
                {
                    reported = reporter.CurrentHealth;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    reported = ComponentHealth.Unhealthy("health report failed: " + ex.Message);
                }
            }

            lock (_gate)
            {
                return HealthAggregation.LeastHealthy(_evalHealth, _runHealth, reported);
            }
        }
    }

    /// <summary>The debug info of the instance, when it provides one.</summary>
    public object? DebugInfo => Instance is IDebugInfoProvider provider ? provider.DebugInfo : null;

    internal ILogger Logger { get; set; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    internal void SetEvalHealth(ComponentHealth health)
    {
        lock (_gate)
        {
            _evalHealth = health;
            Evaluations++;
        }
    }

    /// <summary>How many evaluations of the node's arguments have completed (successful or not).</summary>
    public long Evaluations { get; private set; }

    internal void SetRunHealth(ComponentHealth health)
    {
        lock (_gate)
        {
            _runHealth = health;
        }
    }

    /// <summary>Builds the instance with its first arguments (staging). Throws what the factory throws.</summary>
    internal void Build(object arguments)
    {
        var instance = Registration.Factory(CreateOptions(), arguments);
        lock (_gate)
        {
            Instance = instance;
            Arguments = arguments;
            (_argumentsValue, _argumentsEncoded) = (null, false);
        }
    }

    /// <summary>Applies new arguments to the running instance. Throws what <see cref="IComponent.Update"/> throws.</summary>
    internal void Update(object arguments, Value? encoded)
    {
        IComponent? instance;
        lock (_gate)
        {
            instance = Instance;
        }

        instance?.Update(arguments);
        IComponent? rebuilt;
        lock (_gate)
        {
            Arguments = arguments;
            (_argumentsValue, _argumentsEncoded) = (encoded, true);
            rebuilt = ReferenceEquals(Instance, instance) ? null : Instance;
        }

        // The supervisor swapped in a fresh instance (built with the previous arguments) while we were updating.
        rebuilt?.Update(arguments);
    }

    /// <summary>Called through <see cref="ComponentOptions.OnStateChange"/>; may run on any thread.</summary>
    private void PublishExports(object exports)
    {
        if (Registration.ExportsType is { } expected && !expected.IsInstanceOfType(exports))
        {
            // A programming error in the component: Alloy panics here; we refuse the value and say so loudly.
            Logger.LogError("component published exports of type {Actual}, expected {Expected}", exports.GetType().Name, expected.Name);
            return;
        }

        if (!IsLive)
        {
            // Staging: nothing reads these exports yet but the dependants decoded after this node (which encode
            // them on first read) and, once live, the comparison with the next publish.
            lock (_gate)
            {
                _exports = null;
                ExportsObject = exports;
                ExportsVersion++;
            }

            if (IsLive)
            {
                _controller.EnqueueExportsChanged(this);
            }

            return;
        }

        var traced = StartupTrace.Allocated();
        var value = _controller.Evaluator.Encode(exports);
        StartupTrace.Add("encode-exports", traced);
        lock (_gate)
        {
            if ((_exports ?? EncodeExportsLocked()).Equals(value))
            {
                return;
            }

            Volatile.Write(ref _exports, value);
            ExportsObject = exports;
            ExportsVersion++;
        }

        if (IsLive)
        {
            _controller.EnqueueExportsChanged(this);
        }
    }

    private Value EncodeExports()
    {
        lock (_gate)
        {
            return EncodeExportsLocked();
        }
    }

    private Value EncodeExportsLocked()
    {
        if (_exports is { } encoded)
        {
            return encoded;
        }

        var traced = StartupTrace.Allocated();
        encoded = _controller.Evaluator.Encode(ExportsObject);
        StartupTrace.Add("encode-exports", traced);
        Volatile.Write(ref _exports, encoded);
        return encoded;
    }

    /// <summary>The <c>--storage.path</c> the component's data directory is made under.</summary>
    internal string StorageRoot => _controller.Options.StoragePath;

    private ComponentOptions CreateOptions() => new()
    {
        Id = Id,
        Logger = Logger,
        OnStateChange = PublishExports,
        Routes = Routes,
        HttpHandler = _controller.Options.HttpHandler,
        InMemoryAddress = _controller.Options.InMemoryAddress,
        Node = this, // DataPath and Registry, on first use
    };

    private Prometheus.CollectorRegistry CreateRegistry()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        registry.SetStaticLabels(new Dictionary<string, string> { ["component_id"] = Id });
        return Interlocked.CompareExchange(ref _registry, registry, null) ?? registry;
    }

    /// <summary>Starts the supervised run loop.</summary>
    internal void Start() => PrepareStart(null)?.Start(TaskScheduler.Default);

    /// <summary>
    /// Makes the node running as far as <see cref="StopAsync"/> is concerned and returns the task that runs its loop,
    /// not yet started (null when already started or never built): the caller starts it, possibly later and from
    /// another thread. A stop before then cancels the loop before its first step. A passive component
    /// (<see cref="IPassiveComponent"/>) gets no loop: it is marked started with <paramref name="started"/> (a fresh
    /// record when null) and null is returned.
    /// </summary>
    internal Task<Task>? PrepareStart(ComponentHealth? started)
    {
        lock (_gate)
        {
            if (_runTask is not null || _passiveRunning || Instance is null)
            {
                return null;
            }

            if (Instance is IPassiveComponent)
            {
                _passiveRunning = true;
                _runHealth = started ?? Started();
                return null;
            }

            _runCts = new CancellationTokenSource();
            var launch = NewRunLoop(_runCts.Token);
            _runTask = launch.Unwrap();
            return launch;
        }
    }

    // Its own method: the closure over the token would otherwise be allocated on entry to PrepareStart's lock, for a
    // passive component too.
    private Task<Task> NewRunLoop(CancellationToken token) => new(() => SuperviseAsync(token));

    /// <summary>
    /// The run loop: an exception from <see cref="IComponent.RunAsync"/> marks the node unhealthy with the message, then
    /// after a backoff (doubling up to a ceiling) a fresh instance is built with the current arguments and run again.
    /// A run that returns by itself marks the node exited and is not restarted (as in Alloy, until the next reload).
    /// </summary>
    private async Task SuperviseAsync(CancellationToken token)
    {
        var backoff = _controller.Options.RestartBackoff;
        while (!token.IsCancellationRequested)
        {
            var instance = Instance;
            if (instance is null)
            {
                return;
            }

            SetRunHealth(Started());
            try
            {
                await instance.RunAsync(token).ConfigureAwait(false);
                SetRunHealth(new ComponentHealth(HealthState.Exited, "component shut down cleanly", DateTimeOffset.UtcNow));
                return;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                SetRunHealth(new ComponentHealth(HealthState.Exited, "component shut down cleanly", DateTimeOffset.UtcNow));
                return;
            }
            catch (Exception ex)
            {
                SetRunHealth(ComponentHealth.Unhealthy("component shut down with error: " + ex.Message));
                Logger.LogError(ex, "component failed; restarting in {Backoff}", backoff);
            }

            while (!token.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(backoff, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _controller.Options.MaxRestartBackoff.Ticks));
                if (await TryRebuildAsync().ConfigureAwait(false))
                {
                    break;
                }
            }
        }
    }

    private async Task<bool> TryRebuildAsync()
    {
        IComponent? old;
        object? arguments;
        lock (_gate)
        {
            old = Instance;
            arguments = Arguments;
        }

        await DisposeInstanceAsync(old).ConfigureAwait(false);
        Routes.Clear();
        try
        {
            var fresh = Registration.Factory(CreateOptions(), arguments!);
            lock (_gate)
            {
                Instance = fresh;
                Restarts++;
            }

            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            SetRunHealth(ComponentHealth.Unhealthy("building component: " + ex.Message));
            Logger.LogError(ex, "rebuilding the component failed");
            return false;
        }
    }

    /// <summary>Cancels the run loop, waits for it (up to <paramref name="deadline"/>), then disposes the instance.</summary>
    internal async Task StopAsync(TimeSpan deadline)
    {
        Task? task;
        CancellationTokenSource? cts;
        lock (_gate)
        {
            task = _runTask;
            cts = _runCts;
            _runTask = null;
            _runCts = null;
            if (_passiveRunning)
            {
                // What the run loop reports when it is cancelled.
                _passiveRunning = false;
                _runHealth = new ComponentHealth(HealthState.Exited, "component shut down cleanly", DateTimeOffset.UtcNow);
            }
        }

        if (cts is not null)
        {
            await cts.CancelAsync().ConfigureAwait(false);
        }

        if (task is not null)
        {
            try
            {
                await task.WaitAsync(deadline).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Logger.LogWarning("component did not stop within {Deadline}; abandoning it", deadline);
            }
        }

        cts?.Dispose();
        IsLive = false;
        Routes.Clear();
        await DisposeInstanceAsync(Instance).ConfigureAwait(false);
    }

    private async Task DisposeInstanceAsync(IComponent? instance)
    {
        try
        {
            switch (instance)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Logger.LogError(ex, "disposing the component failed");
        }
    }
}
