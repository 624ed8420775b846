using River.Components.Telemetry.Metrics;
using River.Runtime;
using River.Values;

namespace River.Components.Prom.Relabel;

/// <summary>Arguments of <c>prometheus.relabel</c>.</summary>
public sealed class PrometheusRelabelArguments : IValidatable
{
    /// <summary>Where relabelled samples go.</summary>
    [River("forward_to", Required = true)]
    public List<IMetricsReceiver> ForwardTo { get; set; } = [];

    /// <summary>The rules, applied in order to each series.</summary>
    [RiverBlock("rule")]
    public List<RelabelRule> Rules { get; set; } = [];

    /// <summary>How many input series' results are cached.</summary>
    [River("max_cache_size")]
    public int MaxCacheSize { get; set; } = 100_000;

    /// <inheritdoc/>
    public void Validate(ValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (MaxCacheSize <= 0)
        {
            context.Error("max_cache_size", "max_cache_size must be greater than 0");
        }

        foreach (var r in Rules)
        {
            if (!CompiledRelabelRule.TryCompile(r, out _, out var e))
            {
                context.Error("rule", $"{e!.Value.Attribute}: {e.Value.Message}");
            }
        }
    }
}

/// <summary>Exports of <c>prometheus.relabel</c>.</summary>
public sealed class PrometheusRelabelExports
{
    /// <summary>Send samples here to relabel them.</summary>
    [River("receiver")]
    public required IMetricsReceiver Receiver { get; init; }

    /// <summary>The rules.</summary>
    [River("rules")]
    public List<RelabelRule> Rules { get; init; } = [];
}

/// <summary>
/// <c>prometheus.relabel</c>: relabels every sample appended to its <c>receiver</c> and forwards what is kept.
/// Results are cached per input series; stale markers pass through relabelling like any sample.
/// </summary>
public sealed class PrometheusRelabelComponent : IPassiveComponent, IMetricsReceiver
{
    private readonly Lock _lock = new();
    private volatile State _state;

    private sealed record State(IReadOnlyList<IMetricsReceiver> ForwardTo, IReadOnlyList<CompiledRelabelRule> Rules, int MaxCache)
    {
        public Dictionary<LabelSet, LabelSet?> Cache { get; } = new();
    }

    /// <summary>The catalog entry.</summary>
    public static ComponentRegistration Registration { get; } = new(
        "prometheus.relabel",
        typeof(PrometheusRelabelArguments),
        typeof(PrometheusRelabelExports),
        StabilityLevel.GenerallyAvailable,
        static (options, args) => new PrometheusRelabelComponent(options, (PrometheusRelabelArguments)args));

    /// <summary>Builds the component and publishes its receiver.</summary>
    public PrometheusRelabelComponent(ComponentOptions options, PrometheusRelabelArguments arguments)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(arguments);
        _state = new State(arguments.ForwardTo, CompiledRelabelRule.CompileAll(arguments.Rules), arguments.MaxCacheSize);
        options.OnStateChange(new PrometheusRelabelExports { Receiver = this, Rules = arguments.Rules });
    }

    /// <inheritdoc/>
    public void Update(object arguments)
    {
        var a = (PrometheusRelabelArguments)arguments;
        _state = new State(a.ForwardTo, CompiledRelabelRule.CompileAll(a.Rules), a.MaxCacheSize);
    }

    /// <inheritdoc/>
    public IMetricsAppender Appender() => new RelabelAppender(this, _state);

    private LabelSet? Relabel(State s, LabelSet input)
    {
        lock (_lock)
        {
            if (s.Cache.TryGetValue(input, out var cached))
            {
                return cached;
            }
        }

        var result = Relabeler.Process(input, s.Rules);
        lock (_lock)
        {
            if (s.Cache.Count >= s.MaxCache)
            {
                s.Cache.Clear(); // simple bound: recompute rather than grow without limit
            }

            s.Cache[input] = result;
        }

        return result;
    }

    private sealed class RelabelAppender(PrometheusRelabelComponent owner, State state) : IMetricsAppender
    {
        private readonly FanoutAppender _next = new(state.ForwardTo);

        public void Append(LabelSet labels, long timestampMs, double value)
        {
            if (owner.Relabel(state, labels) is { } kept)
            {
                _next.Append(kept, timestampMs, value);
            }
        }

        public ValueTask CommitAsync(CancellationToken cancellationToken = default) => _next.CommitAsync(cancellationToken);

        public void Rollback() => _next.Rollback();
    }
}
