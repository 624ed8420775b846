namespace River.Components.Telemetry.Metrics;

/// <summary>One float sample of one series: labels (including <c>__name__</c>), timestamp in ms, value.</summary>
public readonly record struct Sample(LabelSet Labels, long TimestampMs, double Value);

/// <summary>Helpers for Prometheus's special float values.</summary>
public static class StaleMarker
{
    /// <summary>The exact bit pattern Prometheus uses to mark a series stale (a NaN distinct from <see cref="double.NaN"/>).</summary>
    public const long Bits = 0x7ff0000000000002;

    /// <summary>The stale-marker value.</summary>
    public static double Value { get; } = BitConverter.Int64BitsToDouble(Bits);

    /// <summary>True only for the stale-marker NaN (compares bits: every other NaN is a normal value).</summary>
    public static bool IsStale(double value) => BitConverter.DoubleToInt64Bits(value) == Bits;
}

/// <summary>The metric type named by <c># TYPE</c>, numbered as remote write's <c>MetricMetadata.MetricType</c>.</summary>
public enum MetricType
{
    /// <summary>untyped / unknown</summary>
    Unknown = 0,

    /// <summary>counter</summary>
    Counter = 1,

    /// <summary>gauge</summary>
    Gauge = 2,

    /// <summary>histogram</summary>
    Histogram = 3,

    /// <summary>gaugehistogram (OpenMetrics)</summary>
    GaugeHistogram = 4,

    /// <summary>summary</summary>
    Summary = 5,

    /// <summary>info (OpenMetrics)</summary>
    Info = 6,

    /// <summary>stateset (OpenMetrics)</summary>
    StateSet = 7,
}
