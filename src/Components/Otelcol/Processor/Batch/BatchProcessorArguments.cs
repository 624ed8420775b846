using River.Components.Otelcol.Config;
using River.Values;

namespace River.Components.Otelcol.Processor.Batch;

/// <summary>Arguments of <c>otelcol.processor.batch</c> (Alloy's names and defaults since v1.11).</summary>
public sealed class BatchProcessorArguments : IValidatable
{
    /// <summary>Send whatever is pending this long after the previous send; zero sends as soon as the input is idle.</summary>
    [River("timeout")]
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Spans that trigger a send (a trigger, not a cap).</summary>
    [River("send_batch_size")]
    public int SendBatchSize { get; init; } = 2000;

    /// <summary>Largest batch sent; bigger arrivals are split. Zero means no limit; otherwise at least send_batch_size.</summary>
    [River("send_batch_max_size")]
    public int SendBatchMaxSize { get; init; } = 3000;

    /// <summary>Client metadata keys whose values select an independent batcher.</summary>
    [River("metadata_keys")]
    public IReadOnlyList<string> MetadataKeys { get; init; } = [];

    /// <summary>Most distinct metadata combinations kept; data for more is refused.</summary>
    [River("metadata_cardinality_limit")]
    public int MetadataCardinalityLimit { get; init; } = 1000;

    /// <summary>Internal metrics options (accepted; see <see cref="DebugMetricsArguments"/>).</summary>
    [RiverBlock("debug_metrics")]
    public DebugMetricsArguments DebugMetrics { get; init; } = new();

    /// <summary>Where batches go.</summary>
    [RiverBlock("output", Required = true)]
    public OutputArguments Output { get; init; } = new();

    /// <inheritdoc />
    public void Validate(ValidationContext context)
    {
        if (Timeout < TimeSpan.Zero)
        {
            context.Error("timeout", "timeout must not be negative");
        }

        if (SendBatchSize < 0)
        {
            context.Error("send_batch_size", "send_batch_size must not be negative");
        }

        if (SendBatchMaxSize < 0)
        {
            context.Error("send_batch_max_size", "send_batch_max_size must not be negative");
        }
        else if (SendBatchMaxSize > 0 && SendBatchMaxSize < SendBatchSize)
        {
            context.Error("send_batch_max_size", $"send_batch_max_size ({SendBatchMaxSize}) must be greater than or equal to send_batch_size ({SendBatchSize}), or 0");
        }

        if (MetadataCardinalityLimit < 0)
        {
            context.Error("metadata_cardinality_limit", "metadata_cardinality_limit must not be negative");
        }
    }
}
