using River.Components.Telemetry.Otlp.Collector.Trace;

namespace River.Components.Telemetry.Traces;

/// <summary>
/// Accepts spans: what <c>output { traces = [...] }</c> lists hold and what an otelcol component exports as
/// <c>input</c>. The data is the OTLP protobuf message itself (resource → scope → spans), so an exporter sends it as is.
/// </summary>
/// <remarks>
/// Ownership: the producer hands the request over and must not change it afterwards; a consumer treats it as read-only
/// (it may keep references to the spans in it), because one request can reach several consumers of a fan-out.
/// </remarks>
public interface ITracesConsumer
{
    /// <summary>
    /// Takes <paramref name="traces"/>. Completes when the consumer has accepted the data (queued or sent); throws
    /// <see cref="TracesRejectedException"/> when it refuses them, so a receiver can answer its client with an error.
    /// </summary>
    ValueTask ConsumeTracesAsync(ExportTraceServiceRequest traces, CancellationToken cancellationToken);
}

/// <summary>Thrown by a consumer that refuses spans (queue full, component stopped).</summary>
public sealed class TracesRejectedException : Exception
{
    /// <summary>Creates the exception with the reason and the number of spans refused.</summary>
    public TracesRejectedException(string message, int rejectedSpans)
        : base(message) => RejectedSpans = rejectedSpans;

    /// <summary>Creates the exception with a reason only.</summary>
    public TracesRejectedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a reason and its cause.</summary>
    public TracesRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception without a message (for serializers and analyzers).</summary>
    public TracesRejectedException()
    {
    }

    /// <summary>How many spans were refused.</summary>
    public int RejectedSpans { get; }
}
