using River.Components.Otelcol.Config;
using River.Components.Otelcol.Exporter.Otlp;
using River.Components.Telemetry.Otlp.Collector.Trace;
using River.Components.Telemetry.Traces;
using River.Runtime;

namespace River.Components.Otelcol.Exporter.OtlpHttp;

/// <summary>
/// <c>otelcol.exporter.otlphttp</c>: posts spans to <c>client.endpoint</c> + <c>/v1/traces</c> through a sending queue
/// with retries. Exports <c>input</c>.
/// </summary>
public sealed class OtlpHttpExporterComponent : IComponent, ITracesConsumer, IDisposable
{
    private readonly TraceExportPipeline _pipeline;

    /// <summary>Creates the exporter and publishes its <c>input</c>.</summary>
    public OtlpHttpExporterComponent(ComponentOptions options, OtlpHttpExporterArguments arguments)
    {
        Metrics = ExporterMetrics.Create(options.Registry, options.Id);
        _pipeline = new TraceExportPipeline(
            new HttpTraceSender(arguments),
            arguments.SendingQueue,
            arguments.RetryOnFailure,
            arguments.Client.Timeout,
            OtlpExporterComponent.QueueDirectory(options, arguments.SendingQueue),
            Metrics,
            options.Logger);
        options.OnStateChange(new ConsumerExports { Input = this });
    }

    /// <summary>The catalog entry.</summary>
    public static ComponentRegistration Registration { get; } = new(
        "otelcol.exporter.otlphttp",
        typeof(OtlpHttpExporterArguments),
        typeof(ConsumerExports),
        StabilityLevel.GenerallyAvailable,
        static (options, arguments) => new OtlpHttpExporterComponent(options, (OtlpHttpExporterArguments)arguments));

    /// <summary>The component's metrics.</summary>
    internal ExporterMetrics Metrics { get; }

    /// <inheritdoc />
    public ValueTask ConsumeTracesAsync(ExportTraceServiceRequest traces, CancellationToken cancellationToken) =>
        _pipeline.ConsumeTracesAsync(traces, cancellationToken);

    /// <inheritdoc />
    public Task RunAsync(CancellationToken cancellationToken) => _pipeline.RunAsync(cancellationToken);

    /// <inheritdoc />
    public void Update(object arguments)
    {
        var args = (OtlpHttpExporterArguments)arguments;
        _pipeline.Reconfigure(new HttpTraceSender(args), args.RetryOnFailure, args.Client.Timeout);
    }

    /// <inheritdoc />
    public void Dispose() => _pipeline.Dispose();
}
