using Microsoft.Extensions.Logging;
using River.Components.Prom.Relabel;
using River.Runtime;
using River.Values;

namespace River.Components.Discovery.Relabel;

/// <summary>Arguments of <c>discovery.relabel</c>.</summary>
public sealed class DiscoveryRelabelArguments : IValidatable
{
    /// <summary>The targets to relabel (label maps).</summary>
    [River("targets", Required = true)]
    public List<Dictionary<string, string>> Targets { get; set; } = [];

    /// <summary>The rules, applied in order to each target.</summary>
    [RiverBlock("rule")]
    public List<RelabelRule> Rules { get; set; } = [];

    /// <inheritdoc/>
    public void Validate(ValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var r in Rules)
        {
            if (!CompiledRelabelRule.TryCompile(r, out _, out var e))
            {
                context.Error("rule", $"{e!.Value.Attribute}: {e.Value.Message}");
            }
        }
    }
}

/// <summary>Exports of <c>discovery.relabel</c>.</summary>
public sealed class DiscoveryRelabelExports
{
    /// <summary>The relabelled targets.</summary>
    [River("output")]
    public List<Dictionary<string, string>> Output { get; init; } = [];

    /// <summary>The rules, reusable by other components.</summary>
    [River("rules")]
    public List<RelabelRule> Rules { get; init; } = [];
}

/// <summary>
/// <c>discovery.relabel</c>: rewrites, filters and drops targets with relabelling rules; recomputes its exports
/// whenever its arguments change.
/// </summary>
public sealed class DiscoveryRelabelComponent : IPassiveComponent, IHealthReporter
{
    private readonly ComponentOptions _options;
    private ComponentHealth _health = null!; // set by every Update, the first one in the constructor

    // Null until the first exports: an initial empty instance would be replaced at once by the constructor's Update.
    private DiscoveryRelabelExports? _exports;

    /// <summary>The catalog entry.</summary>
    public static ComponentRegistration Registration { get; } = new(
        "discovery.relabel",
        typeof(DiscoveryRelabelArguments),
        typeof(DiscoveryRelabelExports),
        StabilityLevel.GenerallyAvailable,
        static (options, args) => new DiscoveryRelabelComponent(options, (DiscoveryRelabelArguments)args));

    /// <summary>Builds the component and publishes its first exports.</summary>
    public DiscoveryRelabelComponent(ComponentOptions options, DiscoveryRelabelArguments arguments)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        Update(arguments);
    }

    /// <summary>The last exports published (empty ones when the first arguments were refused).</summary>
    public DiscoveryRelabelExports Exports
    {
        get => _exports ??= new();
        private set => _exports = value;
    }

    /// <inheritdoc/>
    public ComponentHealth CurrentHealth => _health;

    /// <inheritdoc/>
    public void Update(object arguments)
    {
        var args = (DiscoveryRelabelArguments)arguments;
        IReadOnlyList<CompiledRelabelRule> rules;
        try
        {
            rules = CompiledRelabelRule.CompileAll(args.Rules);
        }
        catch (ArgumentException e)
        {
            // Keep the last good exports, as Alloy does on a failed evaluation.
            _health = ComponentHealth.Unhealthy(e.Message);
            _options.Logger.LogError("invalid relabel rules: {Error}", e.Message);
            return;
        }

        var output = new List<Dictionary<string, string>>(args.Targets.Count);
        foreach (var t in args.Targets)
        {
            if (Relabeler.ProcessTarget(t, rules) is { } r)
            {
                output.Add(r);
            }
        }

        Exports = new DiscoveryRelabelExports { Output = output, Rules = [.. args.Rules] };
        _health = ComponentHealth.Healthy();
        _options.OnStateChange(Exports);
    }
}
