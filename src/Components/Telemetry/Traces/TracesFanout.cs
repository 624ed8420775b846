using River.Components.Telemetry.Otlp.Collector.Trace;

namespace River.Components.Telemetry.Traces;

/// <summary>
/// Sends one request to every consumer of an <c>output</c> list, in order. Every consumer gets the same object, which
/// is safe because consumers never modify what they receive.
/// </summary>
public sealed class TracesFanout : ITracesConsumer
{
    private readonly ITracesConsumer[] _consumers;

    /// <summary>Creates the fan-out; an empty list drops the data, as Alloy does.</summary>
    public TracesFanout(IEnumerable<ITracesConsumer> consumers) => _consumers = [.. consumers];

    /// <summary>The consumers data is sent to.</summary>
    public IReadOnlyList<ITracesConsumer> Consumers => _consumers;

    /// <inheritdoc />
    public async ValueTask ConsumeTracesAsync(ExportTraceServiceRequest traces, CancellationToken cancellationToken)
    {
        List<Exception>? errors = null;
        foreach (var consumer in _consumers)
        {
            // One failing consumer must not starve the others: try all, then report every failure together.
            try
            {
                await consumer.ConsumeTracesAsync(traces, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                (errors ??= []).Add(ex);
            }
        }

        if (errors is { Count: 1 })
        {
            throw errors[0];
        }

        if (errors is not null)
        {
            throw new AggregateException("several trace consumers refused the data", errors);
        }
    }
}
