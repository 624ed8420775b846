using River.Components.Otelcol.Config;
using River.Values;

namespace River.Components.Otelcol.Exporter.Debug;

/// <summary>Arguments of <c>otelcol.exporter.debug</c>, with Alloy's names and defaults.</summary>
public sealed class DebugExporterArguments : IValidatable
{
    /// <summary>"basic" (counts), "normal" (one line per span) or "detailed" (every field).</summary>
    [River("verbosity")]
    public string Verbosity { get; init; } = "basic";

    /// <summary>Requests written per second before sampling starts.</summary>
    [River("sampling_initial")]
    public int SamplingInitial { get; init; } = 2;

    /// <summary>After the initial ones, write every n-th request per second.</summary>
    [River("sampling_thereafter")]
    public int SamplingThereafter { get; init; } = 1;

    /// <summary>Internal metrics options (accepted; see <see cref="DebugMetricsArguments"/>).</summary>
    [RiverBlock("debug_metrics")]
    public DebugMetricsArguments DebugMetrics { get; init; } = new();

    /// <summary>Write through River's logger (true) or straight to stderr (false).</summary>
    [River("use_internal_logger")]
    public bool UseInternalLogger { get; init; } = true;

    /// <inheritdoc />
    public void Validate(ValidationContext context)
    {
        if (Verbosity is not ("basic" or "normal" or "detailed"))
        {
            context.Error("verbosity", $"unknown verbosity \"{Verbosity}\"; use basic, normal or detailed");
        }

        if (SamplingInitial < 0)
        {
            context.Error("sampling_initial", "sampling_initial must not be negative");
        }

        if (SamplingThereafter < 1)
        {
            context.Error("sampling_thereafter", "sampling_thereafter must be at least 1");
        }
    }
}
