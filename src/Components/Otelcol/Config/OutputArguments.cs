using River.Components.Telemetry.Traces;
using River.Values;

namespace River.Components.Otelcol.Config;

/// <summary>
/// The <c>output</c> block of otelcol components: where data goes next. Only traces are carried so far; an empty list
/// drops the data, as in Alloy.
/// </summary>
public sealed class OutputArguments
{
    /// <summary>Consumers of spans (other components' <c>input</c> exports).</summary>
    [River("traces")]
    public IReadOnlyList<ITracesConsumer> Traces { get; init; } = [];
}

/// <summary>The exports of an otelcol component that accepts data: its <c>input</c> consumer.</summary>
public sealed class ConsumerExports
{
    /// <summary>Where other components send data to this component.</summary>
    [River("input")]
    public required ITracesConsumer Input { get; init; }
}
