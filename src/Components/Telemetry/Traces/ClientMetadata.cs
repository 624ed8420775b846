namespace River.Components.Telemetry.Traces;

/// <summary>
/// The request metadata (HTTP headers / gRPC metadata) of the client whose data is being consumed, flowing with the
/// async call like the Collector's <c>client.Info</c> flows in a Go context. A receiver with
/// <c>include_metadata = true</c> sets it around its call into the pipeline; <c>otelcol.processor.batch</c> reads it
/// for <c>metadata_keys</c>.
/// </summary>
public static class ClientMetadata
{
    private static readonly AsyncLocal<IReadOnlyDictionary<string, IReadOnlyList<string>>?> Current = new();

    /// <summary>The metadata of the current call (keys are lower case), or null when none was attached.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>>? Value => Current.Value;

    /// <summary>Attaches <paramref name="metadata"/> until the returned scope is disposed.</summary>
    public static IDisposable Attach(IReadOnlyDictionary<string, IReadOnlyList<string>> metadata)
    {
        var previous = Current.Value;
        Current.Value = metadata;
        return new Scope(previous);
    }

    private sealed class Scope(IReadOnlyDictionary<string, IReadOnlyList<string>>? previous) : IDisposable
    {
        public void Dispose() => Current.Value = previous;
    }
}
