using Microsoft.Extensions.Logging;
using Prometheus;
using River.Components.Beyla.Discovery;
using River.Components.Beyla.Ebpf;
using River.Components.Beyla.Network;
using River.Components.Beyla.SpanMetrics;
using River.Components.Telemetry.Traces;
using River.Runtime;
using River.Values;

namespace River.Components.Beyla;

/// <summary>Exports of <c>beyla.ebpf</c>.</summary>
public sealed class BeylaExports
{
    /// <summary>One target pointing at the component's <c>/metrics</c> route through in-memory traffic.</summary>
    [River("targets")]
    public List<Dictionary<string, string>> Targets { get; init; } = [];
}

/// <summary>Handles one decoded request (passed by reference: the struct is large).</summary>
public delegate void HttpRequestEventHandler(in HttpRequestEvent request);

/// <summary>
/// Where decoded requests come from: the eBPF program and its ring buffer. Supplied by the eBPF glue through
/// <see cref="BeylaComponent.EventSourceFactory"/>, so the tracer does not depend on the raw kernel record.
/// </summary>
public interface IHttpEventSource : IDisposable
{
    /// <summary>Replaces the set of traced processes (the BPF PID filter map).</summary>
    void SetPids(IReadOnlyCollection<int> pids);

    /// <summary>Delivers requests to <paramref name="onRequest"/> and lost-event counts to <paramref name="onLost"/> until cancelled.</summary>
    Task RunAsync(HttpRequestEventHandler onRequest, Action<long> onLost, CancellationToken cancellationToken);
}

/// <summary>
/// <c>beyla.ebpf</c>: discovers processes, feeds their requests through <see cref="BeylaTracer"/>, serves the metrics
/// at its <c>/metrics</c> route (exported as <c>targets</c>) and sends spans to <c>output.traces</c>. A thin shell over
/// the library types; the kernel side plugs in through <see cref="EventSourceFactory"/>.
/// </summary>
public sealed class BeylaComponent : IComponent, IHealthReporter
{
    private static readonly TimeSpan BatchTimeout = TimeSpan.FromSeconds(1);

    private readonly ComponentOptions _options;
    private readonly Lock _lock = new();
    private BeylaArguments _arguments;
    private ComponentHealth _health = ComponentHealth.Healthy();
    private CancellationTokenSource? _generation;
    private IHttpEventSource? _source;

    /// <summary>The catalog entry.</summary>
    public static ComponentRegistration Registration { get; } = new(
        "beyla.ebpf",
        typeof(BeylaArguments),
        typeof(BeylaExports),
        StabilityLevel.PublicPreview,
        static (options, args) => new BeylaComponent(options, (BeylaArguments)args));

    /// <summary>
    /// Builds the kernel event source for a configuration: by default the eBPF capture
    /// (<see cref="EbpfHttpEventSource.Create"/>); tests may replace it. A factory (or factory result) of null runs
    /// discovery and metrics without request events. A source that is also an <see cref="IHealthReporter"/> reports
    /// through the component's health (kernel refusal, lost events).
    /// </summary>
    public static Func<BeylaArguments, ILogger, IHttpEventSource?>? EventSourceFactory { get; set; } = EbpfHttpEventSource.Create;

    /// <summary>Builds the component and publishes its targets.</summary>
    public BeylaComponent(ComponentOptions options, BeylaArguments arguments)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _arguments = arguments ?? throw new ArgumentNullException(nameof(arguments));
        Registry = Prometheus.Metrics.NewCustomRegistry();
        _options.Routes.MapGet("metrics", async context =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await CurrentRegistry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        });
        _options.OnStateChange(new BeylaExports
        {
            Targets =
            [
                new()
                {
                    ["__address__"] = _options.InMemoryAddress,
                    ["__metrics_path__"] = $"/api/v0/component/{_options.Id}/metrics",
                    ["job"] = "beyla",
                },
            ],
        });
    }

    /// <summary>The registry of the running configuration (replaced on update, so removed labels disappear).</summary>
    public CollectorRegistry Registry { get; private set; }

    private CollectorRegistry CurrentRegistry
    {
        get
        {
            lock (_lock)
            {
                return Registry;
            }
        }
    }

    /// <summary>The tracer of the running configuration (null before <see cref="RunAsync"/>).</summary>
    public BeylaTracer? Tracer { get; private set; }

    /// <inheritdoc/>
    public ComponentHealth CurrentHealth
    {
        get
        {
            lock (_lock)
            {
                // The event source's report (kernel refusal, lost events) shows while the component itself is fine.
                if (_health.State == HealthState.Healthy && _source is IHealthReporter source
                    && source.CurrentHealth is { } sourceHealth
                    && (sourceHealth.State != HealthState.Healthy || sourceHealth.Message.Length > 0))
                {
                    return sourceHealth;
                }

                return _health;
            }
        }
    }

    /// <inheritdoc/>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            CancellationTokenSource generation;
            BeylaArguments args;
            lock (_lock)
            {
                _generation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                generation = _generation;
                args = _arguments;
            }

            using (generation)
            {
                try
                {
                    await RunGenerationAsync(args, generation.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (generation.IsCancellationRequested)
                {
                    // Cancelled by shutdown or by Update; the loop decides which.
                }

                if (!generation.IsCancellationRequested)
                {
                    // The generation ended on its own (capability check failed): wait for new arguments or shutdown.
                    try
                    {
                        await Task.Delay(Timeout.Infinite, generation.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
            }
        }
    }

    /// <inheritdoc/>
    public void Update(object arguments)
    {
        lock (_lock)
        {
            _arguments = (BeylaArguments)arguments;
            _generation?.Cancel();
        }
    }

    private async Task RunGenerationAsync(BeylaArguments args, CancellationToken token)
    {
        var logger = _options.Logger;
        var caps = CapabilityCheck.CheckCurrent(args);
        if (!caps.Ok)
        {
            if (args.EnforceSysCaps)
            {
                logger.LogError("can't start Beyla: {Error}", caps.Message);
                SetHealth(ComponentHealth.Unhealthy($"can't start Beyla: {caps.Message}"));
                return;
            }

            logger.LogWarning("Required system capabilities not present, Beyla may malfunction: {Error}", caps.Message);
        }

        var registry = Prometheus.Metrics.NewCustomRegistry();
        var discovery = new ProcessDiscovery(args);
        var tracer = new BeylaTracer(args, registry, discovery.Hostname, args.Output.Traces.Count > 0);
        lock (_lock)
        {
            Registry = registry;
        }

        Tracer = tracer;
        var fanout = new TracesFanout(args.Output.Traces);
        using var source = EventSourceFactory?.Invoke(args, logger);
        lock (_lock)
        {
            _source = source;
        }

        // Issue #7 features fed by discovery and by the tracer's accepted requests.
        var features = FeatureSet.Create(args, registry, discovery.Hostname, tracer);
        discovery.SelectionChanged += change =>
        {
            tracer.OnDiscoveryChanged(change);
            features.OnDiscoveryChanged(change);
            source?.SetPids([.. change.Current.Keys]);
            logger.LogInformation("instrumented processes: {Pids}", discovery.ToString());
        };

        if (!discovery.HasCriteria)
        {
            logger.LogWarning("no selection criteria (open_port, executable_name or discovery.services): nothing is instrumented");
        }

        SetHealth(ComponentHealth.Healthy(source is null ? "no eBPF event source available: discovery and metrics only" : ""));
        var tasks = new List<Task>
        {
            discovery.RunAsync(ProcessDiscovery.DefaultPollInterval, logger, token),
            FlushLoopAsync(tracer, fanout, logger, token),
        };
        tasks.AddRange(features.Start(token));

        // Network flows (issue #7): independent of discovery; a kernel refusal makes the component unhealthy.
        using var network = NetworkFlowCollector.IsEnabled(args) ? new NetworkFlowCollector(args, registry, logger) : null;
        if (network is not null)
        {
            tasks.Add(network.RunGuardedAsync(message => SetHealth(ComponentHealth.Unhealthy(message)), token));
        }

        if (source is not null)
        {
            tasks.Add(source.RunAsync((in HttpRequestEvent e) => tracer.Process(in e), tracer.Metrics.AddLostEvents, token));
        }

        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        finally
        {
            // Send what is left, so a reload or shutdown loses no spans.
            if (tracer.TakeBatch() is { } last)
            {
                await SendAsync(fanout, last, logger, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private static async Task FlushLoopAsync(BeylaTracer tracer, TracesFanout fanout, ILogger logger, CancellationToken token)
    {
        using var timer = new PeriodicTimer(BatchTimeout);
        while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
        {
            tracer.ExpirePending(SpanFactory.MonotonicNowNs());
            if (tracer.TakeBatch() is { } batch)
            {
                await SendAsync(fanout, batch, logger, token).ConfigureAwait(false);
            }
        }
    }

    private static async Task SendAsync(TracesFanout fanout, Telemetry.Otlp.Collector.Trace.ExportTraceServiceRequest batch, ILogger logger, CancellationToken token)
    {
        try
        {
            await fanout.ConsumeTracesAsync(batch, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TracesRejectedException or AggregateException)
        {
            logger.LogWarning(ex, "trace consumers refused {Count} resource spans", batch.ResourceSpans.Count);
        }
    }

    private void SetHealth(ComponentHealth health)
    {
        lock (_lock)
        {
            _health = health;
        }
    }
}
