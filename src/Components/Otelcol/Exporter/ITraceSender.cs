using River.Components.Telemetry.Otlp.Collector.Trace;

namespace River.Components.Otelcol.Exporter;

/// <summary>One transport that delivers a request once (gRPC or HTTP) and classifies the outcome.</summary>
internal interface ITraceSender : IDisposable
{
    /// <summary>Sends <paramref name="request"/> once, within <paramref name="timeout"/>.</summary>
    Task<SendResult> SendAsync(ExportTraceServiceRequest request, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>What happened to one send attempt.</summary>
internal enum SendOutcome
{
    /// <summary>Accepted (possibly partially: see <see cref="SendResult.RejectedSpans"/>).</summary>
    Success,

    /// <summary>Failed in a way that may pass later (unavailable, throttled, timed out).</summary>
    Retryable,

    /// <summary>Failed for good (bad data, refused): drop, never retry.</summary>
    Permanent,
}

/// <summary>The outcome of one attempt, with the server's message, its throttle delay and partial-success count.</summary>
internal readonly record struct SendResult(SendOutcome Outcome, string? Message = null, TimeSpan? RetryAfter = null, long RejectedSpans = 0)
{
    public static SendResult Ok { get; } = new(SendOutcome.Success);
}
