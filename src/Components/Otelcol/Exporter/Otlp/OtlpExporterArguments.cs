using River.Components.Otelcol.Config;
using River.Values;

namespace River.Components.Otelcol.Exporter.Otlp;

/// <summary>Arguments of <c>otelcol.exporter.otlp</c> (OTLP over gRPC), with Alloy's names and defaults.</summary>
public sealed class OtlpExporterArguments : IValidatable
{
    /// <summary>Time limit of one export attempt.</summary>
    [River("timeout")]
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Connection settings.</summary>
    [RiverBlock("client", Required = true)]
    public GrpcClientArguments Client { get; init; } = new();

    /// <summary>The sending queue.</summary>
    [RiverBlock("sending_queue")]
    public QueueArguments SendingQueue { get; init; } = new();

    /// <summary>Internal metrics options (accepted; see <see cref="DebugMetricsArguments"/>).</summary>
    [RiverBlock("debug_metrics")]
    public DebugMetricsArguments DebugMetrics { get; init; } = new();

    /// <summary>Backoff for retryable failures.</summary>
    [RiverBlock("retry_on_failure")]
    public RetryArguments RetryOnFailure { get; init; } = new();

    /// <inheritdoc />
    public void Validate(ValidationContext context)
    {
        if (Timeout <= TimeSpan.Zero)
        {
            context.Error("timeout", "timeout must be positive");
        }

        Client.Validate(context);
        SendingQueue.Validate(context);
        RetryOnFailure.Validate(context);
    }
}
