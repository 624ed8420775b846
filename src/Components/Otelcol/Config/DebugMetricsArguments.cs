using River.Values;

namespace River.Components.Otelcol.Config;

/// <summary>
/// The <c>debug_metrics</c> block every otelcol component accepts. River's otelcol metrics carry no high-cardinality
/// labels (only <c>component_id</c>), so the switch changes nothing; it is accepted so Alloy configs load unchanged.
/// </summary>
public sealed class DebugMetricsArguments
{
    /// <summary>Drop high-cardinality attributes (peer addresses and ports) from the internal metrics.</summary>
    [River("disable_high_cardinality_metrics")]
    public bool DisableHighCardinalityMetrics { get; init; } = true;
}
